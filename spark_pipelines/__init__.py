"""Spark side, one folder per role: `sparknlp/` (the Spark NLP producer), `hf_on_spark/` (the
Hugging Face producer and the counterfactual re-run on executors), `compare/` (the join and the
report), `jvm/` (jars, the project's JVM functions, sessions, shipping to a cluster) and `io/`
(corpus and record reading, one atomic publish)."""
