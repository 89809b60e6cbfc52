"""The join job: line up two runs of the prediction-record schema, row by row, inside Spark.

Modules: `schema` (the report's columns and statuses: the contract), `inputs` (refuse
incompatible runs before comparing), `rows` (the Spark join producing one report row per corpus
id), `explanation` (the JVM row explanation as a column: alignment, first divergence, cause;
its one implementation is spark_pipelines/jvm/java/hfparity/explain), `summary` (the summary from
Spark aggregates), `summary_model` (that summary as typed, immutable values: summary.json, the
gate and the verdict line), `report_html` (the self-contained index.html), `job` (publish).
The join path never imports torch; the optional counterfactual is the Hugging Face re-run in
spark_pipelines/hf_on_spark/counterfactual.py.
"""
