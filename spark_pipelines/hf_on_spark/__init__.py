"""Hugging Face on Spark: the reference job on executors and the counterfactual re-run of the
reference model (the only torch user on the Spark side)."""
