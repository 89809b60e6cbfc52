"""`hfparity fix`: derive pipeline changes from a report, re-run Spark NLP, propose one."""
