"""The join job: line up two runs of the prediction-record schema, row by row, inside Spark.

Modules: `schema` (the report's columns and statuses: the contract), `inputs` (refuse
incompatible runs before comparing), `align` (pure Python: token sequences aligned by character
offsets), `rows` (the Spark join producing one report row per corpus id), `summary`
(the summary from Spark aggregates), `summary_model` (that summary as typed, immutable values:
summary.json, the gate and the verdict line), `report_html` (the self-contained index.html).
The join path never imports torch; the optional counterfactual lives in spark_pipelines.explain.
"""
