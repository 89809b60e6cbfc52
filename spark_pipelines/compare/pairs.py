"""Explain record pairs through the join itself: tests and the controlled experiment hand over
record dicts and get back the report rows a real report would hold for them (one build_rows job,
so the explanation, the statuses and the causes are exactly the report's)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pyspark.sql.pandas.types import from_arrow_schema

from parity_core.records import RECORD_COLUMNS, RECORD_SCHEMA
from spark_pipelines.compare.rows import build_rows
from spark_pipelines.explain.deployment_causes import DeploymentFacts
from spark_pipelines.report.schema import MERGED, MISSING_IN_LEFT, MISSING_IN_RIGHT, SPLIT

CF_DDL = "id string, cf_probabilities array<double>, cf_verdict string, cf_max_abs_delta double"
CORPUS_DDL = "id string, text string"
INT_FIELDS = frozenset({"text_length", "piece_count", "label_id", "id", "begin", "end"})
MIRRORED = {SPLIT: MERGED, MERGED: SPLIT, MISSING_IN_LEFT: MISSING_IN_RIGHT,
            MISSING_IN_RIGHT: MISSING_IN_LEFT}


@dataclass(frozen=True)
class Pair:
    """Two records of one text (None: that side has no record), the corpus text, and an
    optional counterfactual row {cf_verdict, cf_max_abs_delta[, cf_probabilities]}."""

    left: Mapping[str, Any] | None
    right: Mapping[str, Any] | None
    text: str | None = None
    cf: Mapping[str, Any] | None = None


def _plain(value: Any, integer: bool = False) -> Any:
    """A Python value Spark accepts: numpy scalars and arrays unwrapped, NaN in an integer
    field read as null (pandas' way of writing a missing int)."""
    if value is None:
        return None
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()
    if isinstance(value, Mapping):
        return {k: _plain(v, k in INT_FIELDS) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if integer and isinstance(value, float):
        return None if math.isnan(value) else int(value)
    return value


def _record(record: Mapping[str, Any], record_id: str) -> dict[str, Any]:
    out = {c: _plain(record.get(c), c in INT_FIELDS) for c in RECORD_COLUMNS}
    out["id"] = record_id
    return out


def explain_records(spark: Any, pairs: Sequence[Pair], tolerance: float,
                    deployment: DeploymentFacts | None = None) -> list[dict[str, Any]]:
    """The report row (report/schema.py ROWS_DDL, as a dict) of each pair, in order.

    All pairs go through one rows.build_rows job; pair k gets id str(k) on both sides, so the
    records' own ids do not matter. A row the join calls `same` has no explanation, as in a
    report. deployment: what the join would know of the right run (its audit, its family), for
    the rows' deployment causes and family rules.
    """
    ids = [str(k) for k in range(len(pairs))]
    schema = from_arrow_schema(RECORD_SCHEMA)
    corpus = spark.createDataFrame([(i, p.text) for i, p in zip(ids, pairs)], CORPUS_DDL)
    sides = [spark.createDataFrame(
        [_record(rec, i) for i, p in zip(ids, pairs) if (rec := getattr(p, side)) is not None],
        schema) for side in ("left", "right")]
    cf_rows = [(i, _plain(p.cf.get("cf_probabilities")), p.cf["cf_verdict"],
                _plain(p.cf.get("cf_max_abs_delta")))
               for i, p in zip(ids, pairs)
               if p.cf is not None and isinstance(p.cf.get("cf_verdict"), str)]
    counterfactual = spark.createDataFrame(cf_rows, CF_DDL) if cf_rows else None
    rows = build_rows(corpus, sides[0], sides[1], tolerance, counterfactual, deployment).collect()
    by_id = {row["id"]: row.asDict(recursive=True) for row in rows}
    return [by_id[i] for i in ids]


def mirror(ops: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    """What an alignment must be with left and right swapped: sides exchanged, split ⇄
    merged, missing_left ⇄ missing_right (a property the tests check the engine against)."""
    if ops is None:
        return None
    return [{**op, "op": MIRRORED.get(op["op"], op["op"]),
             "left_index": op["right_index"], "right_index": op["left_index"],
             "left_tokens": op["right_tokens"], "right_tokens": op["left_tokens"]}
            for op in ops]
