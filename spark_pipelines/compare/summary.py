"""summary.json: the report's figures, computed by Spark aggregates over the report rows.

Nothing row-sized reaches the driver: every collect is bounded (one row of global aggregates,
group-bys over a handful of statuses, labels, slice values and causes, top-k lists, and at most
3 examples per cause plus 10 worst rows). The rows are persisted for the few passes unless the
caller already cached them.

Denominators, stated once:
- corpus rows: every report row except `not_in_corpus` (ids a run has that the corpus lacks);
  those are counted under statuses but enter no rate.
- label agreement: corpus rows where both sides have a label; agree = the labels are equal.
- gate: label disagreement rate = corpus rows whose status is label_differs, error_left/right or
  missing_left/right, over corpus rows. A row one side failed to score counts as a disagreement:
  for a CI gate, a prediction that went missing is as wrong as a flipped one. The |Δprobability|
  check uses the largest max_abs_delta over corpus rows (rows where both sides have
  probabilities); with none, only the rate is checked.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from typing import Any

from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from hf_reference.config import ProjectConfig
from hf_reference.settings import EffectiveSettings
from spark_pipelines.compare import schema

NONE_LABEL = "(none)"
NULL_VALUE = "(null)"
NO_CAUSE = "(none)"
QUANTILES = (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))
# |Δprobability| histogram: exact zero, then decades up to 0.1, then two wide bins. Fixed so
# reports of different runs can be read side by side; the tolerance (1e-3) is an edge.
DELTA_BIN_EDGES = (0.0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 0.5)
DISAGREEING_STATUSES = (schema.LABEL_DIFFERS, schema.ERROR_LEFT, schema.ERROR_RIGHT,
                        schema.MISSING_LEFT, schema.MISSING_RIGHT)
CAUSE_ORDER = ("status", "text", "words", "pieces", "truncation", "numerics", "boundary",
               "undetermined")
SLICE_COLUMNS = ("length_bucket", "has_upper", "has_non_ascii", "has_inner_punct",
                 "truncated_either")
TOP_TOKENS = 20
TOP_CAUSE_WORDS = 5
EXAMPLES_PER_CAUSE = 3
WORST_EXAMPLES = 10
TEXT_CHARS = 300
WINDOW_BEFORE, WINDOW_AFTER = 6, 10  # aligned positions kept around the first divergence


def build_summary(rows: DataFrame, left_fingerprint: dict, right_fingerprint: dict,
                  config: ProjectConfig, settings: EffectiveSettings) -> dict:
    """The JSON-ready summary of a report's rows (a DataFrame of schema.ROWS_DDL)."""
    missing = [name for name in _ROW_COLUMNS if name not in rows.columns]
    if missing:
        raise ValueError(f"report rows lack columns {missing} (see compare.schema.ROWS_DDL)")
    persisted = not rows.storageLevel.useMemory and not rows.storageLevel.useDisk
    if persisted:
        rows = rows.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        return _jsonable(_summarise(rows, left_fingerprint, right_fingerprint, config, settings))
    finally:
        if persisted:
            rows.unpersist()


_ROW_COLUMNS = ("id", "status", "text", "text_length", "length_bucket", "has_upper",
                "has_non_ascii", "has_inner_punct", "left_label", "right_label",
                "left_probabilities", "right_probabilities", "max_abs_delta", "left_truncated",
                "right_truncated", "word_alignment", "piece_alignment", "first_divergence",
                "left_status", "right_status", "left_error", "right_error", "cause", "sub_cause",
                "cause_word", "cause_evidence", "cf_verdict", "cf_max_abs_delta", "cf_consistent")


def _summarise(rows: DataFrame, left_fp: dict, right_fp: dict, config: ProjectConfig,
               settings: EffectiveSettings) -> dict[str, Any]:
    corpus = rows.where(F.col("status") != schema.NOT_IN_CORPUS)
    totals = _totals(rows)
    confusion = _confusion(corpus, settings.labels)
    agreement = _agreement(confusion)
    delta = _delta(totals)
    causes = _causes(rows)
    return {
        "rows": totals["rows"],
        "corpus_rows": totals["corpus_rows"],
        "status_counts": {status: totals[f"status_{status}"] for status in schema.STATUSES},
        "label_agreement": agreement,
        "confusion": confusion,
        "abs_delta": delta,
        "slices": _slices(corpus),
        "differing_tokens": {"words": _top_tokens(rows, "word_alignment"),
                             "pieces": _top_tokens(rows, "piece_alignment")},
        "causes": causes,
        "counterfactual": _counterfactual(rows),
        "worst_examples": _worst(rows),
        "gate": _gate(totals, delta, config),
        "fingerprints": {"left": left_fp, "right": right_fp},
        "settings": settings.to_dict(),
        "thresholds": asdict(config.compare),
        "definitions": {
            "corpus_rows": "report rows except not_in_corpus",
            "label_agreement": "corpus rows where both labels are equal / corpus rows where "
                               "both sides have a label",
            "label_disagreement_rate": "corpus rows with status in "
                                       f"{list(DISAGREEING_STATUSES)} / corpus rows",
            "abs_delta": "max_abs_delta (largest |Δprobability| over classes) of corpus rows "
                         "where both sides have probabilities",
        },
    }


def _totals(rows: DataFrame) -> dict[str, Any]:
    """One pass: counts per status, the |Δp| quantiles, maximum and histogram over corpus rows."""
    in_corpus = F.col("status") != schema.NOT_IN_CORPUS
    delta = F.when(in_corpus, F.col("max_abs_delta"))
    aggs = [F.count(F.lit(1)).alias("rows"), F.count(F.when(in_corpus, 1)).alias("corpus_rows"),
            F.count(F.when(F.col("status").isin(*DISAGREEING_STATUSES), 1)).alias("disagreeing"),
            F.count(delta).alias("delta_rows"), F.max(delta).alias("delta_max"),
            F.percentile_approx(delta, [q for _, q in QUANTILES], 10000).alias("delta_q")]
    aggs += [F.count(F.when(F.col("status") == s, 1)).alias(f"status_{s}")
             for s in schema.STATUSES]
    aggs += [F.count(F.when(_bin_condition(delta, i), 1)).alias(f"bin_{i}")
             for i in range(len(DELTA_BIN_EDGES) + 1)]
    return rows.agg(*aggs).first().asDict()


def _bin_condition(delta: Column, index: int) -> Column:
    """Bin 0 is exactly zero; bin i > 0 is (edge[i-1], edge[i]]; the last is above the top edge."""
    if index == 0:
        return delta == 0.0
    if index == len(DELTA_BIN_EDGES):
        return delta > DELTA_BIN_EDGES[-1]
    return (delta > DELTA_BIN_EDGES[index - 1]) & (delta <= DELTA_BIN_EDGES[index])


def _bin_label(index: int) -> str:
    if index == 0:
        return "0"
    if index == len(DELTA_BIN_EDGES):
        return f"> {DELTA_BIN_EDGES[-1]:g}"
    return f"({DELTA_BIN_EDGES[index - 1]:g}, {DELTA_BIN_EDGES[index]:g}]"


def _delta(totals: Mapping[str, Any]) -> dict[str, Any]:
    quantiles = totals["delta_q"] or [None] * len(QUANTILES)
    out: dict[str, Any] = {"rows": totals["delta_rows"]}
    out.update({name: value for (name, _), value in zip(QUANTILES, quantiles)})
    out["max"] = totals["delta_max"]
    out["histogram"] = [{"bin": _bin_label(i), "rows": totals[f"bin_{i}"]}
                        for i in range(len(DELTA_BIN_EDGES) + 1)]
    return out


def _confusion(corpus: DataFrame, labels: Sequence[str]) -> dict[str, Any]:
    """Left label × right label counts over corpus rows; a missing label is "(none)"."""
    left = F.coalesce(F.col("left_label"), F.lit(NONE_LABEL)).alias("left")
    right = F.coalesce(F.col("right_label"), F.lit(NONE_LABEL)).alias("right")
    cells = corpus.groupBy(left, right).count().collect()
    seen = {c["left"] for c in cells} | {c["right"] for c in cells}
    order = [x for x in labels if x in seen or x != NONE_LABEL]
    order += sorted(seen - set(order) - {NONE_LABEL})
    if NONE_LABEL in seen:
        order.append(NONE_LABEL)
    counts = {(c["left"], c["right"]): c["count"] for c in cells}
    return {"labels": order,
            "matrix": [[counts.get((lft, rgt), 0) for rgt in order] for lft in order],
            "rows_are": "left label", "columns_are": "right label"}


def _agreement(confusion: Mapping[str, Any]) -> dict[str, Any]:
    labels, matrix = confusion["labels"], confusion["matrix"]
    agree = labelled = 0
    for i, lft in enumerate(labels):
        for j, rgt in enumerate(labels):
            if NONE_LABEL not in (lft, rgt):
                labelled += matrix[i][j]
                agree += matrix[i][j] if i == j else 0
    return {"rate": agree / labelled if labelled else None, "agree": agree,
            "denominator": labelled,
            "denominator_is": "corpus rows where both sides have a label"}


def _slices(corpus: DataFrame) -> dict[str, list[dict[str, Any]]]:
    """Rows, agreement and `same` per value of each slice, in one pass (explode then group)."""
    truncated = (F.coalesce(F.col("left_truncated"), F.lit(False))
                 | F.coalesce(F.col("right_truncated"), F.lit(False)))
    values = {"length_bucket": F.col("length_bucket"), "has_upper": F.col("has_upper"),
              "has_non_ascii": F.col("has_non_ascii"),
              "has_inner_punct": F.col("has_inner_punct"), "truncated_either": truncated}
    pairs = F.array(*[F.struct(F.lit(name).alias("slice"),
                               F.coalesce(col.cast("string"), F.lit(NULL_VALUE)).alias("value"))
                      for name, col in values.items()])
    labelled = F.col("left_label").isNotNull() & F.col("right_label").isNotNull()
    grouped = (corpus.select(F.explode(pairs).alias("p"), labelled.alias("labelled"),
                             (F.col("left_label") == F.col("right_label")).alias("agree"),
                             (F.col("status") == schema.SAME).alias("same"))
               .groupBy("p.slice", "p.value")
               .agg(F.count(F.lit(1)).alias("rows"),
                    F.count(F.when(F.col("labelled"), 1)).alias("labelled"),
                    F.count(F.when(F.col("labelled") & F.col("agree"), 1)).alias("agree"),
                    F.count(F.when(F.col("same"), 1)).alias("same"))
               .collect())
    bucket_order = {name: i for i, (_, name) in enumerate(schema.LENGTH_BUCKETS)}
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in SLICE_COLUMNS}
    for g in grouped:
        out[g["slice"]].append({
            "value": g["value"], "rows": g["rows"], "labelled": g["labelled"],
            "agree": g["agree"], "same": g["same"],
            "agreement_rate": g["agree"] / g["labelled"] if g["labelled"] else None})
    for name, items in out.items():
        if name == "length_bucket":
            items.sort(key=lambda s: (bucket_order.get(s["value"], len(bucket_order)),
                                      s["value"]))
        else:
            items.sort(key=lambda s: {"false": 0, "true": 1}.get(s["value"], 2))
    return out


def _top_tokens(rows: DataFrame, column: str) -> list[dict[str, Any]]:
    """The most frequent non-equal aligned positions: left tokens -> right tokens, with counts.

    count = positions, rows = distinct report rows they occur in.
    """
    ops = (rows.select("id", F.explode(column).alias("a"))
           .where(F.col("a.op") != schema.EQUAL)
           .groupBy(F.col("a.op").alias("op"), F.col("a.left_tokens").alias("left"),
                    F.col("a.right_tokens").alias("right"))
           .agg(F.count(F.lit(1)).alias("count"), F.countDistinct("id").alias("rows"))
           .orderBy(F.desc("count"), F.desc("rows"), "op", "left", "right")
           .limit(TOP_TOKENS).collect())
    return [{"op": r["op"], "left": list(r["left"] or []), "right": list(r["right"] or []),
             "count": r["count"], "rows": r["rows"]} for r in ops]


def _causes(rows: DataFrame) -> list[dict[str, Any]]:
    """Per cause: rows, sub-causes, trigger words, counterfactual agreement, worked examples."""
    cause = F.coalesce(F.col("cause"), F.lit(NO_CAUSE))
    explained = rows.where(F.col("status") != schema.SAME).withColumn("cause_key", cause)
    subs = (explained.groupBy("cause_key", F.coalesce(F.col("sub_cause"), F.lit(NULL_VALUE))
                              .alias("sub"))
            .agg(F.count(F.lit(1)).alias("rows"),
                 F.count(F.when(F.col("cf_consistent"), 1)).alias("cf_true"),
                 F.count(F.when(~F.col("cf_consistent"), 1)).alias("cf_false"))
            .collect())
    by_word = Window.partitionBy("cause_key").orderBy(F.desc("rows"), "cause_word")
    words = (explained.where(F.col("cause_word").isNotNull())
             .groupBy("cause_key", "cause_word").agg(F.count(F.lit(1)).alias("rows"))
             .withColumn("rank", F.row_number().over(by_word))
             .where(F.col("rank") <= TOP_CAUSE_WORDS).collect())
    examples = _examples(explained, "cause_key", EXAMPLES_PER_CAUSE)

    found: dict[str, dict[str, Any]] = {}
    for s in subs:
        entry = found.setdefault(s["cause_key"], {"cause": s["cause_key"], "rows": 0,
                                                  "sub_causes": {}, "cf_consistent_true": 0,
                                                  "cf_consistent_false": 0})
        entry["rows"] += s["rows"]
        entry["sub_causes"][s["sub"]] = s["rows"]
        entry["cf_consistent_true"] += s["cf_true"]
        entry["cf_consistent_false"] += s["cf_false"]
    for entry in found.values():
        entry["sub_causes"] = dict(sorted(entry["sub_causes"].items(), key=lambda kv: -kv[1]))
        entry["trigger_words"] = [{"word": w["cause_word"], "rows": w["rows"]}
                                  for w in sorted(words, key=lambda w: w["rank"])
                                  if w["cause_key"] == entry["cause"]]
        entry["examples"] = examples.get(entry["cause"], [])
    rank = {name: i for i, name in enumerate(CAUSE_ORDER)}
    return sorted(found.values(), key=lambda e: (rank.get(e["cause"], len(rank)), e["cause"]))


def _counterfactual(rows: DataFrame) -> dict[str, Any]:
    """Over rows that are not `same`: verdict counts, and whether each agrees with the cause."""
    grouped = (rows.where(F.col("status") != schema.SAME)
               .groupBy(F.coalesce(F.col("cf_verdict"), F.lit(NULL_VALUE)).alias("verdict"),
                        F.col("cf_consistent").alias("consistent"))
               .count().collect())
    verdicts: dict[str, int] = {}
    consistent = {"true": 0, "false": 0, "null": 0}
    not_run = 0
    for g in grouped:
        if g["verdict"] == NULL_VALUE and g["consistent"] is None:
            not_run += g["count"]  # no counterfactual for this disagreeing row
            continue
        verdicts[g["verdict"]] = verdicts.get(g["verdict"], 0) + g["count"]
        key = "null" if g["consistent"] is None else str(bool(g["consistent"])).lower()
        consistent[key] += g["count"]
    checked = consistent["true"] + consistent["false"]
    return {"verdicts": dict(sorted(verdicts.items())), "not_run": not_run,
            "cf_consistent": consistent,
            "agreement_with_cause": consistent["true"] / checked if checked else None,
            "agreement_denominator_is": "rows whose verdict could be checked against the cause "
                                        "(cf_consistent not null)"}


def _worst_order() -> list[Column]:
    return [F.desc(F.col("status") == schema.LABEL_DIFFERS),
            F.desc_nulls_last("max_abs_delta"), F.asc("id")]


def _worst(rows: DataFrame) -> list[dict[str, Any]]:
    """The rows furthest apart: label flips first, then by max |Δprobability|."""
    candidates = rows.where(F.col("status") != schema.SAME)
    picked = candidates.orderBy(*_worst_order()).limit(WORST_EXAMPLES)
    return [_example(r) for r in picked.select(*_example_columns()).collect()]


def _examples(rows: DataFrame, key: str, per_key: int) -> dict[str, list[dict[str, Any]]]:
    window = Window.partitionBy(key).orderBy(*_worst_order())
    picked = (rows.select(key, *_example_columns())  # bounded width before the shuffle
              .withColumn("_rank", F.row_number().over(window))
              .where(F.col("_rank") <= per_key).collect())
    out: dict[str, list[dict[str, Any]]] = {}
    for r in sorted(picked, key=lambda r: r["_rank"]):
        out.setdefault(r[key], []).append(_example(r))
    return out


def _alignment_window(column: str) -> Column:
    """At most WINDOW_BEFORE + 1 + WINDOW_AFTER aligned positions around the first non-equal one.

    Cut in Spark so a very long text never ships its whole alignment to the driver.
    """
    first = F.array_position(F.transform(column, lambda a: a["op"] != schema.EQUAL), True)
    start = F.greatest(first - WINDOW_BEFORE, F.lit(1))
    return F.when(F.col(column).isNotNull(), F.struct(
        F.size(column).alias("size"), (start - 1).cast("int").alias("start"),
        (first - 1).cast("int").alias("first"),
        F.slice(column, start, F.lit(WINDOW_BEFORE + 1 + WINDOW_AFTER)).alias("entries")))


def _example_columns() -> list[Column]:
    return [F.col("id"), F.col("status"), F.substring("text", 1, TEXT_CHARS).alias("text"),
            (F.length("text") > TEXT_CHARS).alias("text_cut"), F.col("text_length"),
            "left_label", "right_label", "left_probabilities", "right_probabilities",
            "max_abs_delta", "left_truncated", "right_truncated", "left_status", "right_status",
            "left_error", "right_error", "first_divergence", "cause", "sub_cause", "cause_word",
            "cause_evidence", "cf_verdict", "cf_max_abs_delta", "cf_consistent",
            _alignment_window("word_alignment").alias("word_window"),
            _alignment_window("piece_alignment").alias("piece_window")]


def _example(row: Any) -> dict[str, Any]:
    out = row.asDict(recursive=True)
    out.pop("_rank", None)
    out.pop("cause_key", None)
    return out


def _gate(totals: Mapping[str, Any], delta: Mapping[str, Any],
          config: ProjectConfig) -> dict[str, Any]:
    """CI verdict: exit 0 within both thresholds, 1 otherwise (the job maps passed to the code)."""
    limits = config.compare
    corpus_rows = totals["corpus_rows"]
    rate = totals["disagreeing"] / corpus_rows if corpus_rows else 0.0
    worst = delta["max"]
    failures = []
    if rate > limits.max_label_disagreement_rate:
        failures.append(f"label disagreement {rate:.4%} > maximum "
                        f"{limits.max_label_disagreement_rate:.4%} "
                        f"({totals['disagreeing']} of {corpus_rows} corpus rows)")
    if worst is not None and worst > limits.max_abs_probability_delta:
        failures.append(f"max |Δprobability| {worst:.6g} > maximum "
                        f"{limits.max_abs_probability_delta:g}")
    if failures:
        reason = "; ".join(failures)
    else:
        shown = "none compared" if worst is None else f"{worst:.6g}"
        reason = (f"label disagreement {rate:.4%} ≤ {limits.max_label_disagreement_rate:.4%} "
                  f"({totals['disagreeing']} of {corpus_rows} corpus rows); max |Δprobability| "
                  f"{shown} ≤ {limits.max_abs_probability_delta:g}")
    return {"passed": not failures, "reason": reason, "label_disagreement_rate": rate,
            "label_disagreeing_rows": totals["disagreeing"],
            "max_label_disagreement_rate": limits.max_label_disagreement_rate,
            "max_abs_delta": worst,
            "max_abs_probability_delta": limits.max_abs_probability_delta}


def _jsonable(value: Any) -> Any:
    """Plain JSON types: dicts with str keys, lists, finite floats (NaN/inf become None)."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (str, bool)) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, int):
        return int(value)
    if hasattr(value, "asDict"):
        return _jsonable(value.asDict(recursive=True))
    if hasattr(value, "item"):
        return _jsonable(value.item())
    if isinstance(value, Iterable):
        return [_jsonable(v) for v in value]
    return str(value)
