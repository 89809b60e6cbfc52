"""The report's summary (report.model.Summary), computed by Spark aggregates over the rows.

Nothing row-sized reaches the driver: every collect is bounded (one row of global aggregates;
one group-by over small-cardinality values: statuses, slice values, labels, causes, |Δp| bins;
top-k lists; at most 3 examples per cause plus 10 worst rows). The rows are persisted for those
passes unless they are already cached or the caller passes cache=False (the compare job hands
over the written rows/ parquet, where each pass reads only its own columns).

Denominators, stated once:
- corpus rows: every report row except `not_in_corpus` (ids a run has that the corpus lacks);
  those are counted under statuses but enter no rate.
- label agreement: corpus rows where both sides have a label; agree = the labels are equal
  (parity_core/tasks/sequence_classification: labelled, labels_agree; fix/metrics.py the same).
- gate (report.model.Gate.decide): label disagreement rate = corpus rows whose status is in
  schema.DISAGREEING_STATUSES, over corpus rows; probability disagreement rate = corpus rows
  whose status is in report.model.DECISIVE_STATUSES (the label changes, or some |Δprobability|
  exceeds the tolerance: the join's rule, schema.delta_exceeds), over corpus rows. The largest
  max_abs_delta over corpus rows is shown beside them; Spark's max orders NaN above every number,
  so a NaN delta is the largest and fails the gate. A deployment cause with one row whose
  status is in DECISIVE_STATUSES fails it too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from parity_core.config import ProjectConfig
from parity_core.settings import EffectiveSettings
from parity_core.tasks.sequence_classification import labelled, labels_agree
from spark_pipelines.compare.summary_layers import layer_localisation
from spark_pipelines.explain.causes import STAGES, meaning
from spark_pipelines.explain.deployment_causes import DeploymentFacts
from spark_pipelines.explain.task_columns import largest_delta
from spark_pipelines.report import schema
from spark_pipelines.report.model import (
    DECISIVE_STATUSES,
    DEFINITIONS,
    DELTA_BIN_EDGES,
    NONE_LABEL,
    NULL_VALUE,
    SLICE_COLUMNS,
    TOKEN_LEVELS,
    AbsDelta,
    Agreement,
    Cause,
    Confusion,
    Counterfactual,
    DeltaBin,
    DeploymentCause,
    DeploymentReport,
    Example,
    Fingerprints,
    Gate,
    LeadingCause,
    SliceValue,
    Summary,
    TokenEntry,
    TriggerWord,
    bin_label,
    decode,
    freeze,
)
from spark_pipelines.report.scoring_model import Scoring

NO_CAUSE = "(none)"
QUANTILES = (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))
CAUSE_ORDER = STAGES  # the engine's stages in pipeline order (explain/causes.py)
TOP_TOKENS = 20
TOP_CAUSE_WORDS = 5
EXAMPLES_PER_CAUSE = 3
WORST_EXAMPLES = 10
TEXT_CHARS = 300
WINDOW_BEFORE, WINDOW_AFTER = 6, 10  # aligned positions kept around the first divergence


def build_summary(rows: DataFrame, left_fingerprint: dict, right_fingerprint: dict,
                  config: ProjectConfig, settings: EffectiveSettings, cache: bool = True,
                  deployment: DeploymentFacts | None = None, scoring: Scoring | None = None
                  ) -> Summary:
    """The summary of a report's rows (a DataFrame of schema.ROWS_DDL).

    cache: persist the rows for the passes unless already cached; pass False when `rows` is
    the written rows/ parquet, whose column pruning already makes each pass cheap.
    """
    missing = [name for name in _ROW_COLUMNS if name not in rows.columns]
    if missing:
        raise ValueError(f"report rows lack columns {missing} (see report.schema.ROWS_DDL)")
    persist_here = cache and not rows.storageLevel.useMemory and not rows.storageLevel.useDisk
    if persist_here:
        rows = rows.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        report = deployment_report(rows, deployment)
        summary = _summarise(rows, left_fingerprint, right_fingerprint, config, settings, report,
                             scoring)
        layers = layer_localisation(rows) if "layer_localisation" in rows.columns else None
        return replace(summary, layers=layers)
    finally:
        if persist_here:
            rows.unpersist()


_ROW_COLUMNS = ("id", "status", "text", "text_length", "length_bucket", "has_upper",
                "has_non_ascii", "has_inner_punct", "left_label", "right_label",
                "left_probabilities", "right_probabilities", "max_abs_delta", "left_truncated",
                "right_truncated", "word_alignment", "piece_alignment", "first_divergence",
                "left_status", "right_status", "left_error", "right_error", "cause", "sub_cause",
                "cause_word", "cause_evidence", "cf_verdict", "cf_max_abs_delta", "cf_consistent")


def _summarise(rows: DataFrame, left_fp: dict, right_fp: dict, config: ProjectConfig,
               settings: EffectiveSettings, deployment: DeploymentReport,
               scoring: Scoring | None = None) -> Summary:
    """Totals, grouped counts, top-k lists, then the worst rows and examples per cause."""
    cells = _cells(rows)
    totals = _totals(rows, cells)
    groups = _group_counts(cells)
    top = _top_k(rows)
    worst, examples = _example_picks(rows)
    confusion = _confusion(groups.get("confusion", []), settings.labels)
    delta = _delta(totals)
    tokens = {level: tuple(_token_entry(t) for t in top.get(("tokens", level), []))
              for level in TOKEN_LEVELS}
    return Summary(
        deployment=deployment,
        rows=totals["rows"],
        corpus_rows=totals["corpus_rows"],
        status_counts=MappingProxyType({s: totals[f"status_{s}"] for s in schema.STATUSES}),
        label_agreement=_agreement(groups.get("confusion", [])),
        confusion=confusion,
        abs_delta=delta,
        slices=_slices(groups),
        differing_tokens=MappingProxyType(tokens),
        causes=_causes(groups.get("cause", []), top, examples),
        counterfactual=_counterfactual(groups.get("cause", []), groups.get("decisive", [])),
        leading_cause=_leading_cause(groups.get("cause", []), top),
        worst_examples=tuple(worst),
        gate=Gate.decide(totals["disagreeing"], totals["differing"], totals["corpus_rows"],
                         delta.max, config.compare, deployment, scoring),
        scoring=scoring,
        fingerprints=Fingerprints(freeze(left_fp), freeze(right_fp)),
        settings=freeze(settings.to_dict()),
        thresholds=config.compare,
        definitions=MappingProxyType(dict(DEFINITIONS)),
    )


def _corpus_delta() -> Column:
    """max_abs_delta of corpus rows (null for not_in_corpus): what the |Δp| figures cover."""
    return F.when(F.col("status") != schema.NOT_IN_CORPUS, F.col("max_abs_delta"))


def _totals(rows: DataFrame, cells: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Counts per status and the |Δp| histogram (from the cells); |Δp| count, maximum and
    quantiles over corpus rows (one global aggregate)."""
    delta = _corpus_delta()
    out = rows.agg(F.count(delta).alias("delta_rows"), largest_delta(delta).alias("delta_max"),
                   F.percentile_approx(delta, [q for _, q in QUANTILES], 10000)
                   .alias("delta_q")).first().asDict()
    out.update({"rows": 0, "corpus_rows": 0, "disagreeing": 0, "differing": 0})
    out.update({f"status_{s}": 0 for s in schema.STATUSES})
    out.update({f"bin_{i}": 0 for i in range(len(DELTA_BIN_EDGES) + 1)})
    for c in cells:
        out["rows"] += c["n"]
        out[f"status_{c['status']}"] = out.get(f"status_{c['status']}", 0) + c["n"]
        if c["status"] != schema.NOT_IN_CORPUS:
            out["corpus_rows"] += c["n"]
        if c["status"] in schema.DISAGREEING_STATUSES:
            out["disagreeing"] += c["n"]
        if c["status"] in DECISIVE_STATUSES:
            out["differing"] += c["n"]
        if c["bin"] is not None:
            out[f"bin_{c['bin']}"] += c["n"]
    return out


def _cells(rows: DataFrame) -> list[dict[str, Any]]:
    """One pass grouping the rows by every small-cardinality value the summary counts (status,
    slices, both labels, cause × sub-cause × counterfactual, decisive unit of a label flip, |Δp|
    bin): a few thousand cells at
    most, from which the totals, slices, confusion and causes are added up on the driver."""
    delta = _corpus_delta()
    bins = F.lit(None).cast("int")
    for i in reversed(range(len(DELTA_BIN_EDGES) + 1)):
        bins = F.when(_bin_condition(delta, i), F.lit(i)).otherwise(bins)
    truncated = (F.coalesce(F.col("left_truncated"), F.lit(False))
                 | F.coalesce(F.col("right_truncated"), F.lit(False)))
    derived = {"truncated_either": truncated}  # the other slices are report columns
    keys = [F.col("status"), *[derived.get(name, F.col(name)).alias(name)
                               for name in SLICE_COLUMNS],
            F.col("left_label"), F.col("right_label"),
            _cause_key().alias("cause_key"), F.col("sub_cause"), F.col("cf_verdict"),
            F.col("cf_consistent"), F.col("decisive_unit"), bins.alias("bin")]
    return [r.asDict() for r in rows.groupBy(*keys).agg(F.count(F.lit(1)).alias("n")).collect()]


def _bin_condition(delta: Column, index: int) -> Column:
    """report.model.bin_label's bins; NaN lands in the last (Spark orders it above all)."""
    if index == 0:
        return delta == 0.0
    if index == len(DELTA_BIN_EDGES):
        return delta > DELTA_BIN_EDGES[-1]
    return (delta > DELTA_BIN_EDGES[index - 1]) & (delta <= DELTA_BIN_EDGES[index])


def _delta(totals: Mapping[str, Any]) -> AbsDelta:
    p50, p90, p99 = totals["delta_q"] or [None] * len(QUANTILES)
    return AbsDelta(rows=totals["delta_rows"], p50=p50, p90=p90, p99=p99,
                    max=totals["delta_max"],
                    histogram=tuple(DeltaBin(bin_label(i), totals[f"bin_{i}"])
                                    for i in range(len(DELTA_BIN_EDGES) + 1)))


def _cause_key() -> Column:
    return F.coalesce(F.col("cause"), F.lit(NO_CAUSE))


def _as_string(value: Any) -> str:
    """A slice value as the report shows it (Spark's cast to string; null as "(null)")."""
    if value is None:
        return NULL_VALUE
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _group_counts(cells: Sequence[Mapping[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Per dimension, per value: rows, labelled, agree, same. Slices and the confusion count
    corpus rows; cause × sub-cause × counterfactual counts rows that are not `same` (nor
    input_identical_not_scored)."""
    acc: dict[tuple[str, Any], dict[str, Any]] = {}

    def add(dim: str, key: Any, c: Mapping[str, Any]) -> None:
        item = acc.setdefault((dim, json.dumps(key)), {"dim": dim, "key": key, "rows": 0,
                                                       "labelled": 0, "agree": 0, "same": 0})
        item["rows"] += c["n"]
        item["labelled"] += c["n"] if labelled(c["left_label"], c["right_label"]) else 0
        item["agree"] += c["n"] if labels_agree(c["left_label"], c["right_label"]) else 0
        item["same"] += c["n"] if c["status"] == schema.SAME else 0

    for c in cells:
        if c["status"] != schema.NOT_IN_CORPUS:
            for name in SLICE_COLUMNS:
                add(f"slice:{name}", _as_string(c[name]), c)
            add("confusion", [NONE_LABEL if c["left_label"] is None else c["left_label"],
                              NONE_LABEL if c["right_label"] is None else c["right_label"]], c)
        if c["status"] not in (schema.SAME, schema.INPUT_IDENTICAL_NOT_SCORED):
            # a row not scored has no cause: it was not measured (docs/input-first.md)
            consistent = c["cf_consistent"]
            add("cause", [c["cause_key"], c["sub_cause"], c["cf_verdict"],
                          None if consistent is None else _as_string(consistent)], c)
        if c["status"] == schema.LABEL_DIFFERS:
            add("decisive", c["decisive_unit"], c)
    out: dict[str, list[dict[str, Any]]] = {}
    for item in acc.values():
        out.setdefault(item.pop("dim"), []).append(item)
    return out


def _confusion(cells: Sequence[Mapping[str, Any]], labels: Sequence[str]) -> Confusion:
    """Left label × right label counts over corpus rows; a missing label is "(none)"."""
    counts = {tuple(c["key"]): c["rows"] for c in cells}
    seen = {label for pair in counts for label in pair}
    order = [x for x in labels if x != NONE_LABEL]
    order += sorted(seen - set(order) - {NONE_LABEL})
    if NONE_LABEL in seen:
        order.append(NONE_LABEL)
    return Confusion(labels=tuple(order),
                     matrix=tuple(tuple(counts.get((lft, rgt), 0) for rgt in order)
                                  for lft in order))


def _agreement(cells: Sequence[Mapping[str, Any]]) -> Agreement:
    """Label agreement over corpus rows, from the confusion cells' labelled/agree counts (the
    task's labelled / labels_agree, counted once in _group_counts)."""
    agree = sum(c["agree"] for c in cells)
    count = sum(c["labelled"] for c in cells)
    return Agreement(rate=agree / count if count else None, agree=agree, denominator=count)


def _slices(groups: Mapping[str, list[dict[str, Any]]]
            ) -> Mapping[str, tuple[SliceValue, ...]]:
    """Rows, label agreement and `same` per value of each slice, in a fixed order."""
    bucket_order = {name: i for i, (_, name) in enumerate(schema.LENGTH_BUCKETS)}
    out: dict[str, tuple[SliceValue, ...]] = {}
    for name in SLICE_COLUMNS:
        items = [SliceValue(value=g["key"], rows=g["rows"], labelled=g["labelled"],
                            agree=g["agree"], same=g["same"],
                            agreement_rate=g["agree"] / g["labelled"] if g["labelled"] else None)
                 for g in groups.get(f"slice:{name}", [])]
        if name == "length_bucket":
            items.sort(key=lambda s: (bucket_order.get(s.value, len(bucket_order)), s.value))
        else:
            items.sort(key=lambda s: {"false": 0, "true": 1}.get(s.value, 2))
        out[name] = tuple(items)
    return MappingProxyType(out)


def _top_k(rows: DataFrame) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """One job for both top-k lists: differing aligned positions per level (TOP_TOKENS) and the
    words that trigger each cause (TOP_CAUSE_WORDS). Ranked by count, then rows, then key."""
    empty = F.array().cast(schema.ALIGNED_TYPE)

    def level(name: str, column: str) -> Column:
        """Non-equal positions only, dropped before the explode: most positions are equal."""
        differing = F.filter(F.coalesce(F.col(column), empty), lambda a: a["op"] != schema.EQUAL)
        return F.transform(differing,
                           lambda a: F.struct(F.lit(name).alias("level"), a.alias("a")))

    # Counted per row first (a key and how often the row has it), so `rows` is a plain count
    # and no distinct over ids is needed.
    keys = F.transform(F.concat(level("words", "word_alignment"),
                                level("pieces", "piece_alignment")),
                       lambda x: F.struct(x["level"].alias("group"), F.to_json(F.struct(
                           x["a"]["op"].alias("op"), x["a"]["left_tokens"].alias("left"),
                           x["a"]["right_tokens"].alias("right"))).alias("key")))
    keyed = F.col("keys")
    per_row = F.transform(F.array_distinct(keyed), lambda k: F.struct(
        k["group"].alias("group"), k["key"].alias("key"),
        F.size(F.filter(keyed, lambda x: x == k)).alias("n")))
    positions = (rows.select(keys.alias("keys")).select(F.explode(per_row).alias("x"))
                 .select(F.lit("tokens").alias("kind"), "x.group", "x.key", "x.n"))
    words = (rows.where((F.col("status") != schema.SAME) & F.col("cause_word").isNotNull())
             .select(F.lit("cause_word").alias("kind"), _cause_key().alias("group"),
                     F.col("cause_word").alias("key"), F.lit(1).alias("n")))
    ranked = Window.partitionBy("kind", "group").orderBy(F.desc("count"), F.desc("rows"), "key")
    limit = F.when(F.col("kind") == "tokens", TOP_TOKENS).otherwise(TOP_CAUSE_WORDS)
    picked = (positions.unionByName(words).groupBy("kind", "group", "key")
              .agg(F.sum("n").alias("count"), F.count(F.lit(1)).alias("rows"))
              .withColumn("rank", F.row_number().over(ranked))
              .where(F.col("rank") <= limit).collect())
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in sorted(picked, key=lambda r: r["rank"]):
        out.setdefault((r["kind"], r["group"]), []).append(r.asDict())
    return out


def _token_entry(item: Mapping[str, Any]) -> TokenEntry:
    key = json.loads(item["key"])
    return TokenEntry(op=key.get("op"), left=tuple(key.get("left") or ()),
                      right=tuple(key.get("right") or ()), count=item["count"], rows=item["rows"])


def _causes(cells: Sequence[Mapping[str, Any]], top: Mapping[tuple[str, str], list],
            examples: Mapping[str, list[Example]]) -> tuple[Cause, ...]:
    """Per cause: rows, sub-causes, trigger words, counterfactual agreement, worked examples."""
    found: dict[str, dict[str, Any]] = {}
    for c in cells:
        cause, sub, _verdict, consistent = c["key"]
        entry = found.setdefault(cause, {"cause": cause, "rows": 0, "sub_causes": {},
                                         "cf_consistent_true": 0, "cf_consistent_false": 0})
        entry["rows"] += c["rows"]
        sub = NULL_VALUE if sub is None else sub
        entry["sub_causes"][sub] = entry["sub_causes"].get(sub, 0) + c["rows"]
        if consistent is not None:
            entry["cf_consistent_" + ("true" if consistent == "true" else "false")] += c["rows"]
    rank = {name: i for i, name in enumerate(CAUSE_ORDER)}
    return tuple(
        Cause(cause=e["cause"], rows=e["rows"],
              sub_causes=MappingProxyType(e["sub_causes"]),  # Cause ranks them
              cf_consistent_true=e["cf_consistent_true"],
              cf_consistent_false=e["cf_consistent_false"],
              trigger_words=tuple(TriggerWord(w["key"], w["rows"])
                                  for w in top.get(("cause_word", e["cause"]), [])),
              examples=tuple(examples.get(e["cause"], [])))
        for e in sorted(found.values(), key=lambda e: (rank.get(e["cause"], len(rank)),
                                                       e["cause"])))


def _leading_cause(cells: Sequence[Mapping[str, Any]], top: Mapping[tuple[str, str], list]
                   ) -> LeadingCause | None:
    """The stage / sub-cause with the most label changes (labelled rows whose labels differ),
    then the most rows, then by name; its trigger words are its stage's."""
    found: dict[tuple[str, str | None], list[int]] = {}
    for c in cells:
        cause, sub, _verdict, _consistent = c["key"]
        counts = found.setdefault((cause, sub), [0, 0])
        counts[0] += c["rows"]
        counts[1] += c["labelled"] - c["agree"]
    if not found:
        return None
    (cause, sub), (rows, changes) = min(
        found.items(), key=lambda kv: (-kv[1][1], -kv[1][0], kv[0][0], kv[0][1] or ""))
    return LeadingCause(
        cause=cause, sub_cause=sub,
        meaning=None if cause == NO_CAUSE else meaning(cause, sub), rows=rows,
        label_changes=changes, differing_rows=sum(n for n, _ in found.values()),
        trigger_words=tuple(TriggerWord(w["key"], w["rows"])
                            for w in top.get(("cause_word", cause), [])))


def _counterfactual(cells: Sequence[Mapping[str, Any]], flips: Sequence[Mapping[str, Any]]
                    ) -> Counterfactual:
    """Over rows that are not `same`: verdict counts, and whether each agrees with the cause;
    over label flips: how many each decisive unit decides, and how many were not re-run."""
    verdicts: dict[str, int] = {}
    consistent = {"true": 0, "false": 0, "null": 0}
    not_run = 0
    for c in cells:
        _cause, _sub, verdict, agrees = c["key"]
        if verdict is None and agrees is None:
            not_run += c["rows"]  # no counterfactual for this disagreeing row
            continue
        shown = NULL_VALUE if verdict is None else verdict
        verdicts[shown] = verdicts.get(shown, 0) + c["rows"]
        consistent["null" if agrees is None else agrees] += c["rows"]
    checked = consistent["true"] + consistent["false"]
    units = {c["key"]: c["rows"] for c in flips}
    not_rerun = units.pop(None, 0)
    decisive = {unit: units.get(unit, 0) for unit in schema.DECISIVE_UNITS} if units else {}
    return Counterfactual(verdicts=MappingProxyType(dict(sorted(verdicts.items()))),
                          not_run=not_run, cf_consistent=MappingProxyType(consistent),
                          agreement_with_cause=consistent["true"] / checked if checked else None,
                          decisive_units=MappingProxyType(decisive), flips_not_rerun=not_rerun)


def _worst_order() -> list[Column]:
    return [F.desc(F.col("status") == schema.LABEL_DIFFERS),
            F.desc_nulls_last("max_abs_delta"), F.asc("id")]


def _example_picks(rows: DataFrame) -> tuple[list[Example], dict[str, list[Example]]]:
    """The worst rows (label flips first, then by max |Δprobability|), and at most
    EXAMPLES_PER_CAUSE rows per cause in the same order.

    Ranked on the narrow sort keys, then the wide example columns (text, alignment windows)
    are fetched in one read for the picked ids only: reading every differing row's text and
    alignments again would cost more than the rest of the summary.
    """
    candidates = (rows.where(F.col("status") != schema.SAME)
                  .select("id", "status", "max_abs_delta", _cause_key().alias("cause_key")))
    worst = [r["id"] for r in candidates.orderBy(*_worst_order()).limit(WORST_EXAMPLES)
             .select("id").collect()]
    window = Window.partitionBy("cause_key").orderBy(*_worst_order())
    per_cause = (candidates.withColumn("_rank", F.row_number().over(window))
                 .where(F.col("_rank") <= EXAMPLES_PER_CAUSE)
                 .select("id", "cause_key", "_rank").collect())
    wanted = set(worst) | {r["id"] for r in per_cause}
    fetched = {r["id"]: _example(r) for r in
               rows.where(F.col("id").isin(sorted(wanted))).select(*_example_columns()).collect()}
    examples: dict[str, list[Example]] = {}
    for r in sorted(per_cause, key=lambda r: r["_rank"]):
        examples.setdefault(r["cause_key"], []).append(fetched[r["id"]])
    return [fetched[i] for i in worst], examples


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


def _example(row: Any) -> Example:
    return decode(Example, row.asDict(recursive=True), f"example {row['id']!r}")


def deployment_report(rows: DataFrame | None, facts: DeploymentFacts | None
                      ) -> DeploymentReport:
    """The audit (from the facts) and the rows of each deployment cause, most rows first."""
    causes: tuple[DeploymentCause, ...] = ()
    if rows is not None and "deployment_cause" in rows.columns:
        counted = (rows.where(F.col("deployment_cause").isNotNull())
                   .groupBy("deployment_cause")
                   .agg(F.count(F.lit(1)).alias("rows"),
                        F.first("deployment_evidence", ignorenulls=True).alias("evidence"),
                        F.count(F.when(F.col("status") == schema.LABEL_DIFFERS, 1))
                        .alias("label_changed"),
                        F.count(F.when(F.col("status").isin(*DECISIVE_STATUSES), 1))
                        .alias("decisive"))
                   .collect())
        causes = tuple(sorted((DeploymentCause(
            r["deployment_cause"], r["rows"], r["evidence"],
            facts.setting_line(r["deployment_cause"]) if facts is not None else None,
            r["label_changed"], r["decisive"]) for r in counted),
            key=lambda c: (-c.rows, c.cause)))
    audit = facts.audit if facts is not None else None
    if audit is None:
        return DeploymentReport(False, None, None, (), (), (), causes)
    return DeploymentReport(True, audit.source, audit.location, audit.stages, audit.notes,
                            audit.findings, causes)
