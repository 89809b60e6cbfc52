"""Spark side, one folder per noun of the product: `sparknlp/` (the Spark NLP producer, its Java
beside it), `hf/` (the Hugging Face producer on executors), `explain/` (why rows differ, and the
re-runs that prove it), `compare/` (the join), `report/` (schema, typed summary, page), `fix/`
(the changed pipeline and its proof), `io/` (corpus, records, atomic publish) and `jvm/` (jars,
sessions, the functions jar build, shipping to a cluster: plumbing only)."""
