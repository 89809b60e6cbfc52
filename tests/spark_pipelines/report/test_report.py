"""The summary model and summary.json from report rows: figures checked against counts made
here, the one NaN/null rule and the verdict line pinned, the JSON read back to the same model
(and the same page). The page itself is tested in test_page.py.

The rows are a real Spark DataFrame of report.schema.ROWS_DDL: made by hand (rows_by_hand.py,
one or more rows per status and per cause, with hostile texts), or made by the join itself from
hand-made records.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from typing import Any

import pytest

from spark_pipelines.compare.summary import build_summary
from spark_pipelines.report import schema
from spark_pipelines.report.formats import format_percent
from spark_pipelines.report.html import render_report
from spark_pipelines.report.model import DECISIVE_STATUSES, Summary, plain
from tests.spark_pipelines.report.rows_by_hand import LEFT_FP, RIGHT_FP, corpus_only, report_row


def _nearest_rank(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(q * len(ordered)) - 1, 0)]


def test_counts_rate_confusion(summary, rows, project_config):
    corpus = corpus_only(rows)
    statuses = Counter(r["status"] for r in rows)
    assert summary.rows == len(rows)
    assert summary.corpus_rows == len(corpus)
    assert dict(summary.status_counts) == {s: statuses.get(s, 0) for s in schema.STATUSES}

    labelled = [r for r in corpus if r["left_label"] and r["right_label"]]
    agree = sum(r["left_label"] == r["right_label"] for r in labelled)
    assert summary.label_agreement.agree == agree
    assert summary.label_agreement.denominator == len(labelled)
    assert summary.label_agreement.rate == pytest.approx(agree / len(labelled))

    cells = Counter((r["left_label"] or "(none)", r["right_label"] or "(none)") for r in corpus)
    labels = summary.confusion.labels
    assert set(labels) >= {lbl for cell in cells for lbl in cell}
    got = {(lft, rgt): summary.confusion.matrix[i][j]
           for i, lft in enumerate(labels) for j, rgt in enumerate(labels)}
    assert {k: v for k, v in got.items() if v} == dict(cells)

    bad = sum(r["status"] in schema.DISAGREEING_STATUSES for r in corpus)
    gate = summary.gate
    assert gate.label_disagreeing_rows == bad
    assert gate.label_disagreement_rate == pytest.approx(bad / len(corpus))
    moved = sum(r["status"] in DECISIVE_STATUSES for r in corpus)
    assert gate.probability_disagreeing_rows == moved
    assert gate.probability_disagreement_rate == pytest.approx(moved / len(corpus))
    assert summary.passed is False  # 6 of 14 rows disagree: far above the default 0.2%
    assert "label disagreement" in summary.reason
    assert gate.max_label_disagreement_rate == project_config.compare.max_label_disagreement_rate
    json.loads(summary.to_json(), parse_constant=lambda c: pytest.fail(f"{c} in summary.json"))


def test_delta_quantiles_histogram_slices(summary, rows):
    corpus = corpus_only(rows)
    deltas = [r["max_abs_delta"] for r in corpus if r["max_abs_delta"] is not None]
    delta = summary.abs_delta
    assert delta.rows == len(deltas)
    assert delta.max == pytest.approx(max(deltas))
    for name, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99)):
        assert getattr(delta, name) == pytest.approx(_nearest_rank(deltas, q)), name
    histogram = {b.bin: b.rows for b in delta.histogram}
    assert sum(histogram.values()) == len(deltas)
    assert histogram["0"] == sum(d == 0 for d in deltas)
    assert histogram["> 0.5"] == sum(d > 0.5 for d in deltas)

    upper = {s.value: s for s in summary.slices["has_upper"]}
    for value in (True, False):
        members = [r for r in corpus if r["has_upper"] is value]
        both = [r for r in members if r["left_label"] and r["right_label"]]
        got = upper[str(value).lower()]
        assert got.rows == len(members)
        assert got.labelled == len(both)
        assert got.agree == sum(r["left_label"] == r["right_label"] for r in both)
    buckets = [s.value for s in summary.slices["length_bucket"]]
    order = [name for _, name in schema.LENGTH_BUCKETS]
    known = [b for b in buckets if b in order]
    assert known == sorted(known, key=order.index)
    assert sum(s.rows for s in summary.slices["length_bucket"]) == len(corpus)
    truncated = {s.value: s.rows for s in summary.slices["truncated_either"]}
    assert truncated["true"] == sum(r["left_truncated"] or r["right_truncated"] for r in corpus)


def test_tokens_causes_counterfactual_examples(summary, rows, page):
    top = summary.differing_tokens["words"][0]
    assert (top.left, top.right, top.op) == (("don't",), ("don", "'", "t"), "split")
    assert top.count == top.rows == sum(r["word_alignment"] is not None for r in rows)
    pieces = summary.differing_tokens["pieces"]
    assert {(t.left, t.right) for t in pieces} == {(("cafe",), ("café",)), (("tail", "##s"), ())}

    disagreeing = [r for r in rows if r["status"] != schema.SAME]
    causes = {c.cause: c for c in summary.causes}
    assert {k: c.rows for k, c in causes.items()} == dict(
        Counter(r["cause"] or "(none)" for r in disagreeing))
    assert [c.cause for c in summary.causes][:3] == ["status", "words", "pieces"]
    assert dict(causes["pieces"].sub_causes) == {"accent_one_side": 2}
    assert [(w.word, w.rows) for w in causes["pieces"].trigger_words] == [("Café", 2)]
    assert causes["boundary"].cf_consistent_false == 1

    consistent = Counter(r["cf_consistent"] for r in disagreeing if r["cf_verdict"])
    cf = summary.counterfactual
    assert cf.cf_consistent["true"] == consistent[True]
    assert cf.cf_consistent["false"] == consistent[False]
    assert dict(cf.verdicts) == dict(Counter(r["cf_verdict"] for r in disagreeing
                                             if r["cf_verdict"]))
    assert cf.not_run == sum(r["cf_verdict"] is None for r in disagreeing)
    flips = [r for r in rows if r["status"] == schema.LABEL_DIFFERS]
    units = Counter(r.get("decisive_unit") for r in flips)
    assert dict(cf.decisive_units) == {u: units[u] for u in schema.DECISIVE_UNITS}
    assert cf.decisive_units[schema.DECISIVE_WORD] == 1 and cf.flips_not_rerun == units[None] == 1
    shown = " ".join(page.split())  # the page counts them under the counterfactual
    assert ("one piece 1, one word 1, several words 0, not reproduced by the pieces 1; "
            "not re-run 1.") in shown

    def worst_key(r: dict[str, Any]) -> tuple:
        delta = r["max_abs_delta"]
        return (r["status"] != schema.LABEL_DIFFERS, delta is None, -(delta or 0.0), r["id"])

    expected = [r["id"] for r in sorted(disagreeing, key=worst_key)][:10]
    assert [e.id for e in summary.worst_examples] == expected
    for cause in causes.values():
        assert 1 <= len(cause.examples) <= 3
    status_ids = [e.id for e in causes["status"].examples]
    assert len(status_ids) == 3 and set(status_ids) <= {"mis", "err", "extra"}

    by_id = {e.id: e for e in summary.worst_examples}
    long = by_id["lab3"]
    assert long.text is not None and len(long.text) == 300 and long.text_cut is True
    window = by_id["lab1"].piece_window
    full = next(r for r in rows if r["id"] == "lab1")["piece_alignment"]
    first = next(i for i, a in enumerate(full) if a["op"] != schema.EQUAL)
    assert window is not None and window.entries is not None
    assert window.first == first and window.size == len(full)
    assert window.start == max(first - 6, 0)
    assert window.entries[first - window.start].right_tokens == ("café",)
    assert by_id["lab1"].word_window is None


def test_json_round_trip_gives_the_same_model_and_page(summary, page):
    import dataclasses

    text = summary.to_json()
    back = Summary.from_json(text)
    assert back == summary and back.to_json() == text
    assert render_report(back) == page  # the page does not depend on where the model came from
    with pytest.raises(dataclasses.FrozenInstanceError):
        back.gate.passed = True  # type: ignore[misc]
    with pytest.raises(TypeError):
        back.status_counts[schema.SAME] = 0  # type: ignore[index]
    data = json.loads(text)
    data["gate"]["surprise"] = 1
    with pytest.raises(ValueError, match=r"summary.gate: unknown keys \['surprise'\]"):
        Summary.from_json(json.dumps(data))
    data = json.loads(text)
    data["corpus_rows"] = "14"
    with pytest.raises(ValueError, match=r"summary\.corpus_rows: expected int"):
        Summary.from_json(json.dumps(data))


def test_verdict_line_is_made_from_the_model(summary, rows):
    """The line says plainly how many predictions change, then how many rows move."""
    corpus = corpus_only(rows)
    labelled = [r for r in corpus if r["left_label"] and r["right_label"]]
    changes = sum(r["left_label"] != r["right_label"] for r in labelled)
    moved = sum(r["status"] in DECISIVE_STATUSES for r in corpus)
    line = summary.line("out/report/")
    assert line.startswith(f"hfparity compare: FAIL: {changes} of {len(labelled)} predictions "
                           f"change label ({format_percent(changes / len(labelled))})")
    assert (f"; {moved} of {len(corpus)} rows change label or move a probability by more than "
            f"0.001 ({format_percent(moved / len(corpus))}), max |Δp| "
            f"{summary.abs_delta.max:.3g} [") in line
    assert f"[{summary.reason}]" in line and line.endswith("; report out/report/index.html")
    assert plain(summary.gate)["passed"] is False


def test_leading_cause_is_the_one_behind_most_label_changes(summary, rows):
    """Counted here from the rows that are not same: label changes, then rows, per stage and
    sub-cause; its meaning is the cause catalogue's."""
    from spark_pipelines.explain.causes import meaning

    counts: Counter = Counter()
    changes: Counter = Counter()
    for r in rows:
        if r["status"] != schema.SAME:
            key = (r["cause"] or "(none)", r["sub_cause"])
            counts[key] += 1
            changes[key] += bool(r["left_label"] and r["right_label"]
                                 and r["left_label"] != r["right_label"])
    best = min(counts, key=lambda k: (-changes[k], -counts[k], k[0], k[1] or ""))
    lead = summary.leading_cause
    assert (lead.cause, lead.sub_cause) == best
    assert (lead.rows, lead.label_changes, lead.differing_rows) == (
        counts[best], changes[best], sum(counts.values()))
    assert lead.meaning == meaning(*best) and lead.meaning


def _nan_rows(pos: str) -> list[dict[str, Any]]:
    """A row whose right probabilities are NaN (as the join writes it: |Δp| NaN, scores_differ),
    one with none on the right (|Δp| null) and two that agree."""
    nan = float("nan")
    return [
        report_row("ok1", schema.SAME, "fine", (pos, 0.9), (pos, 0.9)),
        report_row("ok2", schema.SAME, "also fine", (pos, 0.8), (pos, 0.8)),
        report_row("nan", schema.SCORES_DIFFER, "nan here", (pos, 0.9), (pos, 0.9),
             right_probabilities=[nan, nan], max_abs_delta=nan),
        report_row("mis", schema.MISSING_RIGHT, "no right", (pos, 0.7), (None, None)),
    ]


def test_nan_and_null_deltas_follow_the_one_rule(spark, project_config, settings):
    """NaN exceeds every limit (Spark's order, which the join used to call the row different);
    null compares nothing. The gate, the histogram, summary.json and the line all agree."""
    from dataclasses import replace

    assert schema.delta_exceeds(float("nan"), 1.0) and schema.delta_exceeds(0.5, 0.4)
    assert not schema.delta_exceeds(None, 0.0) and not schema.delta_exceeds(0.4, 0.4)
    lenient = replace(project_config, compare=replace(
        project_config.compare, max_label_disagreement_rate=1.0,
        max_probability_disagreement_rate=1.0))
    rows = _nan_rows(settings.labels[1])
    summary = build_summary(spark.createDataFrame(rows, schema=schema.ROWS_DDL), LEFT_FP,
                            RIGHT_FP, lenient, settings)
    assert math.isnan(summary.abs_delta.max) and summary.abs_delta.rows == 3
    last = summary.abs_delta.histogram[-1]
    assert last.rows == 1 and last.above(lenient.compare.probability_tolerance)
    assert summary.passed is False
    assert summary.reason == "a |Δprobability| is NaN: a side computed no number"
    line = summary.line("out")
    assert line.startswith("hfparity compare: FAIL: 0 of 3 predictions change label (0.00%), 1 "
                           "more row has no label on one side; 1 of 4 rows change label or move "
                           "a probability by more than 0.001 (25.00%), max |Δp| nan [")
    written = json.loads(summary.to_json(), parse_constant=lambda c: pytest.fail(c))
    assert written["gate"]["passed"] is False and written["gate"]["max_abs_delta"] is None

    without = build_summary(spark.createDataFrame([r for r in rows if r["id"] != "nan"],
                                                  schema=schema.ROWS_DDL),
                            LEFT_FP, RIGHT_FP, lenient, settings)
    assert without.passed and without.abs_delta.max == 0.0
    only_null = build_summary(spark.createDataFrame([rows[-1]], schema=schema.ROWS_DDL),
                              LEFT_FP, RIGHT_FP, lenient, settings)
    assert only_null.passed and only_null.abs_delta.max is None
    assert only_null.reason == "label disagreement 100.00% ≤ 100.00%; probability disagreement " \
                               "0.00% ≤ 100.00%"
    assert "max |Δp| n/a; report out/index.html" in only_null.line("out")


# --- on rows made by the join itself (compare.rows.build_rows) from hand-made records ----------

TEXTS = {"c0": "A fine film .", "c1": "dull and long", "c2": "I don't care", "c3": "lost row",
         "c4": "scores drift here", "c5": "Café au lait", "c6": "ok", "c7": "the end ."}


def _record(rid: str, text: str, p_pos: float, labels: tuple[str, ...],
            split_word: str | None = None) -> dict[str, Any]:
    """A scored record: whitespace words, one piece per word (split_word cut at its quote)."""
    import hashlib

    words, pieces, begin = [], [{"piece": "[CLS]", "id": 101, "begin": None, "end": None}], 0
    for word in text.split(" "):
        parts = [word]
        if word == split_word:
            quote = word.index("'")
            parts = [word[:quote], "'", word[quote + 1:]]
        at = begin
        for part in parts:
            words.append({"text": part, "begin": at, "end": at + len(part)})
            pieces.append({"piece": part.lower(), "id": 1000 + len(pieces), "begin": at,
                           "end": at + len(part)})
            at += len(part)
        begin += len(word) + 1
    pieces.append({"piece": "[SEP]", "id": 102, "begin": None, "end": None})
    probs = [1.0 - p_pos, p_pos]
    return {"id": rid, "status": "ok", "error": None,
            "text_sha256": hashlib.sha256(text.encode()).hexdigest(), "text_length": len(text),
            "words": words, "pieces": pieces, "pieces_note": None, "piece_count": len(pieces),
            "truncated": False, "label": labels[int(p_pos > 0.5)], "label_id": int(p_pos > 0.5),
            "probabilities": probs, "logits": None}


def test_summary_of_rows_from_the_join(spark, project_config, settings):
    from spark_pipelines.compare.rows import build_rows
    from spark_pipelines.io.records import SPARK_RECORD_SCHEMA

    labels = settings.labels
    p_pos = {rid: 0.2 + 0.08 * i for i, rid in enumerate(TEXTS)}
    left = [_record(rid, text, p_pos[rid], labels) for rid, text in TEXTS.items()]
    left.append(_record("x9", "not in the corpus", 0.9, labels))
    right = []
    for rid, text in TEXTS.items():
        if rid == "c3":
            continue  # missing on the right
        p = 1.0 - p_pos[rid] if rid == "c1" else p_pos[rid] + (0.01 if rid == "c4" else 0.0)
        right.append(_record(rid, text, p, labels, split_word="don't" if rid == "c2" else None))
    expected = {rid: schema.SAME for rid in TEXTS}
    expected.update(c1=schema.LABEL_DIFFERS, c2=schema.TOKENS_DIFFER, c3=schema.MISSING_RIGHT,
                    c4=schema.SCORES_DIFFER, x9=schema.NOT_IN_CORPUS)

    corpus = spark.createDataFrame(list(TEXTS.items()), "id string, text string")
    rows = build_rows(corpus, spark.createDataFrame(left, SPARK_RECORD_SCHEMA),
                      spark.createDataFrame(right, SPARK_RECORD_SCHEMA),
                      project_config.compare.probability_tolerance)
    summary = build_summary(rows, LEFT_FP, RIGHT_FP, project_config, settings)

    counts = Counter(expected.values())
    assert dict(summary.status_counts) == {s: counts.get(s, 0) for s in schema.STATUSES}
    assert summary.corpus_rows == len(TEXTS) and summary.rows == len(TEXTS) + 1
    by_id = {r["id"]: r for r in right}
    both = [rid for rid in TEXTS if rid in by_id]
    agree = sum(left[i]["label"] == by_id[rid]["label"]
                for i, rid in enumerate(TEXTS) if rid in by_id)
    assert summary.label_agreement.denominator == len(both)
    assert summary.label_agreement.agree == agree
    assert summary.worst_examples[0].id == "c1"
    top = summary.differing_tokens["words"][0]
    assert (top.left, top.right, top.count) == (("don't",), ("don", "'", "t"), 1)
    assert summary.abs_delta.max == pytest.approx(abs(1.0 - 2 * p_pos["c1"]))
    assert "don&#39;t" in render_report(summary)  # the token, escaped


def _subtrees(plan: str, marker: str) -> list[str]:
    """Each subtree (its lines) of a physical plan's tree string whose root line has `marker`."""
    lines = plan.splitlines()
    depth = [len(line) - len(line.lstrip(" :+-")) for line in lines]
    found = []
    for i, line in enumerate(lines):
        if marker in line:
            end = next((j for j in range(i + 1, len(lines)) if depth[j] <= depth[i]), len(lines))
            found.append("\n".join(lines[i:end]))
    return found


def test_the_join_shuffles_each_record_table_once(spark, project_config, settings):
    """No shuffle sits above a join: a full outer join's output is not partitioned by id, so
    chaining two of them made Spark shuffle the corpus-and-left records a second time."""
    from spark_pipelines.compare.rows import build_rows
    from spark_pipelines.io.records import SPARK_RECORD_SCHEMA

    records = [_record(rid, text, 0.3, settings.labels) for rid, text in TEXTS.items()]
    corpus = spark.createDataFrame(list(TEXTS.items()), "id string, text string")
    rows = build_rows(corpus, spark.createDataFrame(records, SPARK_RECORD_SCHEMA),
                      spark.createDataFrame(records, SPARK_RECORD_SCHEMA),
                      project_config.compare.probability_tolerance)
    saved = {key: spark.conf.get(key) for key in ("spark.sql.autoBroadcastJoinThreshold",
                                                  "spark.sql.adaptive.enabled")}
    try:  # sort-merge joins, as a large corpus gets, and the plan as planned
        spark.conf.set("spark.sql.autoBroadcastJoinThreshold", "-1")
        spark.conf.set("spark.sql.adaptive.enabled", "false")
        plan = rows._jdf.queryExecution().executedPlan().toString()
    finally:
        for key, value in saved.items():
            spark.conf.set(key, value)
    shuffles = _subtrees(plan, "Exchange hashpartitioning")
    assert [s for s in shuffles if "Join" in s] == [], plan
    assert len(shuffles) == 4, plan  # the ids, the corpus, each run
    assert plan.count("SortMergeJoin") == 3, plan
    assert {r["status"] for r in rows.collect()} == {schema.SAME}


def test_the_join_and_the_gate_agree_on_nan_probabilities(spark, project_config, settings):
    """A NaN probability on one side: the join calls the row scores_differ and the summary's gate
    fails on it, by the same rule (before, the row differed and the gate passed)."""
    from spark_pipelines.compare.rows import build_rows
    from spark_pipelines.io.records import SPARK_RECORD_SCHEMA

    labels = settings.labels
    left = [_record(rid, text, 0.3, labels) for rid, text in TEXTS.items()]
    right = [dict(r, probabilities=[float("nan"), float("nan")]) if r["id"] == "c4" else r
             for r in left]
    corpus = spark.createDataFrame(list(TEXTS.items()), "id string, text string")
    rows = build_rows(corpus, spark.createDataFrame(left, SPARK_RECORD_SCHEMA),
                      spark.createDataFrame(right, SPARK_RECORD_SCHEMA),
                      project_config.compare.probability_tolerance)
    statuses = {r["id"]: (r["status"], r["max_abs_delta"]) for r in rows.collect()}
    assert statuses["c4"][0] == schema.SCORES_DIFFER and math.isnan(statuses["c4"][1])
    summary = build_summary(rows, LEFT_FP, RIGHT_FP, project_config, settings)
    assert summary.status_counts[schema.SCORES_DIFFER] == 1
    assert not summary.passed and "a |Δprobability| is NaN" in summary.reason
