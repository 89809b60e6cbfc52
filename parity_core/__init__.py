"""The contract every part shares: config, derived settings, the prediction-record schema, run
fingerprints, error types and file names. Imports neither torch nor pyspark, so the Hugging Face
producer, the Spark NLP producer and the join all build on it without pulling in each other."""
