"""Explain every disagreement: attribute it to the first stage where two runs part.

Submodules: `attribution` (pure Python, runs in pandas UDFs), `verdict` (pure), `counterfactual`
(Spark: re-runs the reference model on the other side's pieces), `experiment` (controlled flips).
Nothing is imported here, so `import spark_pipelines.explain.attribution` stays free of pyspark
and torch.
"""
