"""The Hugging Face producer: tokenizer + model -> prediction records. Never imports pyspark.

Also builds the default checkpoint and corpus (`build_assets`) and scores single texts (`cli`).
"""
