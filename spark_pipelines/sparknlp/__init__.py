"""The Spark NLP producer: the matched pipeline, its records, the job, the model import."""
