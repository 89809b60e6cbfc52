"""The join job: line up two runs of the prediction-record schema, row by row, inside Spark.

Modules: `inputs` (refuse incompatible runs before comparing), `rows` (the Spark join producing
one report row per corpus id, with the explanation column from spark_pipelines/explain),
`summary` (the report's summary from Spark aggregates), `job` (publish rows/, summary.json and
index.html). The join path never imports torch; the optional counterfactual is the Hugging Face
re-run in spark_pipelines/explain/counterfactual.py.
"""
