"""When two sides fed their models the same input: the one rule, as a Spark column.

Model input is the ids, the attention mask and the token type ids a side fed its model (the
record's input_ids, attention_mask, token_type_ids). Ids are always compared; a mask or type ids
that one side did not record (null: a family whose model takes no token types, a record from
before the columns) make no claim. The report's `model_input` change (compare/rows.py) and
input-first selection (spark_pipelines/selection/) both read this rule.
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

MODEL_INPUT = ("input_ids", "attention_mask", "token_type_ids")


def model_input_equal(left: str, right: str) -> Column:
    """True when the `left` and `right` columns (prefixes: "l." for a struct alias, "hf_" for
    flat columns) hold the same model input; False when they do not; null when either side has
    no ids (nothing to compare)."""
    ids_l, ids_r = F.col(f"{left}input_ids"), F.col(f"{right}input_ids")
    optional = [F.coalesce(F.col(f"{left}{name}") == F.col(f"{right}{name}"), F.lit(True))
                for name in MODEL_INPUT[1:]]
    return F.when(ids_l.isNotNull() & ids_r.isNotNull(),
                  (ids_l == ids_r) & optional[0] & optional[1])
