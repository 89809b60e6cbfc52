"""Spark side: the Spark NLP pipeline, the Spark wrapper of the Hugging Face side, the join."""
