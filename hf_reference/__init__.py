"""Hugging Face side: tokenizer + model -> prediction records. Never imports pyspark.

The contract modules (config, settings, records, fingerprint) import neither torch nor pyspark,
so the join path can use them without pulling in either framework.
"""
