"""The steps `hfparity import` and `hfparity check` run (jobs/hfparity.py parses and prints)."""
