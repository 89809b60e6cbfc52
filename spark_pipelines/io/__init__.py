"""Reading corpora and prediction records, and publishing an output folder atomically."""
