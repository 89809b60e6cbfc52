"""The Spark form of the task's comparison agrees with the pure one, case for case, on real Spark:
the column builder (explain/task_columns.py), the join's status (compare/rows.py, with the real
JVM explainer), the counterfactual's choice of rows, and the summary's largest |Δp|."""

from __future__ import annotations

import hashlib
import math
from typing import Any

import pytest
from pyspark.sql import functions as F

from parity_core.records import TASK
from parity_core.tasks import sequence_classification as seq
from spark_pipelines.explain.task_columns import largest_delta, output_columns
from spark_pipelines.report import schema
from tests.parity_core.tasks.cases import CASES, TOLERANCE

SIDE = "struct<label:string,probabilities:array<double>>"
TEXT = "a good film"


def _same_float(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return (math.isnan(a) and math.isnan(b)) or a == b


def _expected_status(case: Any) -> str:
    if case.label_differs:
        return schema.LABEL_DIFFERS
    return schema.SCORES_DIFFER if case.scores_differ else schema.SAME


def _record(rid: str, side: dict[str, Any]) -> dict[str, Any]:
    """An ok record of TEXT, equal tokens on both sides: only the outputs of `side` differ."""
    words, pieces, begin = [], [{"piece": "[CLS]", "id": 101, "begin": None, "end": None}], 0
    for i, word in enumerate(TEXT.split(" ")):
        words.append({"text": word, "begin": begin, "end": begin + len(word)})
        pieces.append({"piece": word, "id": 2000 + i, "begin": begin, "end": begin + len(word)})
        begin += len(word) + 1
    pieces.append({"piece": "[SEP]", "id": 102, "begin": None, "end": None})
    return {"id": rid, "status": "ok", "error": None,
            "text_sha256": hashlib.sha256(TEXT.encode()).hexdigest(), "text_length": len(TEXT),
            "words": words, "pieces": pieces, "pieces_note": None, "piece_count": len(pieces),
            "truncated": False, "label": side["label"], "label_id": None,
            "probabilities": side["probabilities"], "logits": None}


@pytest.fixture(scope="module")
def sides(spark):
    from spark_pipelines.io.records import SPARK_RECORD_SCHEMA

    left = spark.createDataFrame([_record(c.name, c.left) for c in CASES], SPARK_RECORD_SCHEMA)
    right = spark.createDataFrame([_record(c.name, c.right) for c in CASES], SPARK_RECORD_SCHEMA)
    return left, right


def test_column_builder_agrees_with_the_pure_rule(spark):
    frame = spark.createDataFrame([(c.name, c.left, c.right) for c in CASES],
                                  f"name string, l {SIDE}, r {SIDE}")
    out = output_columns(TASK, TOLERANCE)
    got = {r["name"]: r for r in frame.select(
        "name", out.label_differs.alias("label_differs"),
        out.scores_differ.alias("scores_differ"), out.max_abs_delta.alias("max_abs_delta"),
        out.differ.alias("differ")).collect()}
    assert set(got) == {c.name for c in CASES}
    for case in CASES:
        pure, row = TASK.compare(case.left, case.right, TOLERANCE), got[case.name]
        assert row["label_differs"] is pure.label_differs, case.name
        assert row["scores_differ"] is pure.scores_differ, case.name
        assert row["differ"] is pure.differs, case.name
        assert _same_float(row["max_abs_delta"], pure.max_abs_delta), \
            (case.name, row["max_abs_delta"], pure.max_abs_delta)


def test_spark_max_is_the_pure_largest_delta(spark):
    sets = [[None, 0.2, 0.1], [0.5, math.nan, None], [math.nan, 0.5], [None], [math.inf, 1.0],
            [0.0, -0.0]]
    rows = [(i, v) for i, values in enumerate(sets) for v in values]
    frame = spark.createDataFrame(rows, "g int, d double")
    got = {r["g"]: r["m"] for r in frame.groupBy("g").agg(largest_delta(F.col("d")).alias("m"))
           .collect()}
    for i, values in enumerate(sets):
        assert _same_float(got[i], seq.largest_delta(values)), (values, got[i])


def test_report_status_and_delta_follow_the_rule(spark, sides):
    """The join's status and max_abs_delta (rows/) for ok rows with equal tokens are the pure
    rule's: label_differs, else scores_differ, else same."""
    from spark_pipelines.compare.rows import build_rows

    left, right = sides
    corpus = spark.createDataFrame([(c.name, TEXT) for c in CASES], "id string, text string")
    rows = {r["id"]: r for r in build_rows(corpus, left, right, TOLERANCE)
            .select("id", "status", "changes", "max_abs_delta").collect()}
    for case in CASES:
        row = rows[case.name]
        assert row["status"] == _expected_status(case), case.name
        assert _same_float(row["max_abs_delta"], case.max_abs_delta), case.name
        expected_changes = [name for name, hit in (("label", case.label_differs),
                                                   ("probabilities", case.scores_differ)) if hit]
        assert row["changes"] == expected_changes, case.name


def test_counterfactual_reruns_exactly_the_rows_whose_outputs_differ(spark, sides):
    """Same pieces and no mask on both sides: the counterfactual re-runs a row iff the report
    says its outputs differ. Before the one rule it also re-ran two cases the report calls
    `same`: NaN on both sides at one position, and a null probability element."""
    from spark_pipelines.explain.counterfactual import disagreement_filter

    left, right = sides
    chosen = {r["id"] for r in left.alias("l").join(right.alias("r"), F.col("l.id") == F.col(
        "r.id")).where(disagreement_filter(TOLERANCE)).select("l.id").collect()}
    usable = [c for c in CASES if c.right["probabilities"] is not None]
    assert chosen == {c.name for c in usable if c.label_differs or c.scores_differ}
    assert not {"nan_both_same_position", "null_element"} & chosen
