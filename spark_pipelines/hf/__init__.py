"""The Hugging Face producer on Spark: the reference job, scoring the corpus on the executors with
mapInArrow (the model itself is hf_reference's, which never imports pyspark)."""
