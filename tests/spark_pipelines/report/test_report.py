"""The summary model, summary.json and index.html from report rows: figures checked against
counts made here, the one NaN/null rule and the verdict line pinned, the JSON read back to the
same model, the page checked to be self-contained and escaped, and its headline read back from a
headless Chromium screenshot by OCR (Debian's tesseract).

The rows are a real Spark DataFrame of compare.schema.ROWS_DDL built by hand, one or more rows
per status and per cause, with hostile texts (markup, RTL, emoji, control characters).
"""

from __future__ import annotations

import json
import math
import re
import shutil
import struct
import subprocess
import warnings
import zlib
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from spark_pipelines.compare.summary import build_summary
from spark_pipelines.report import schema
from spark_pipelines.report.html import format_percent, format_rows, render_report
from spark_pipelines.report.model import Summary, plain
from tests.support.screenshot import chromium

SCRIPT = "<script>alert('x')</script>"
LEFT_FP = {"framework": "huggingface", "checkpoint_sha256": "ab" * 32, "vocab_sha256": "cd" * 32,
           "corpus_digest": {"rows": 14}}
RIGHT_FP = {"framework": "sparknlp", "checkpoint_sha256": "ab" * 32, "vocab_sha256": "cd" * 32,
            "corpus_digest": {"rows": 14}}


def _bucket(length: int | None) -> str | None:
    if length is None:
        return None
    return [name for low, name in schema.LENGTH_BUCKETS if length >= low][-1]


def _op(op: str, left: list[str], right: list[str], begin: int, li: int | None = 0,
        ri: int | None = 0) -> dict[str, Any]:
    end = begin + max(len("".join(left)), len("".join(right)), 1)
    return {"op": op, "left_index": li, "right_index": ri, "left_tokens": left,
            "right_tokens": right, "begin": begin, "end": end}


def _equal_ops(tokens: list[str]) -> list[dict[str, Any]]:
    return [_op(schema.EQUAL, [t], [t], 10 * i, i, i) for i, t in enumerate(tokens)]


def _row(rid: str, status: str, text: str | None, left: tuple[str | None, float | None],
         right: tuple[str | None, float | None], **extra: Any) -> dict[str, Any]:
    """A report row; (label, p(pos)) per side, probabilities [1 - p, p]; None: no prediction."""
    def probs(p: float | None) -> list[float] | None:
        return None if p is None else [1.0 - p, p]

    lp, rp = probs(left[1]), probs(right[1])
    delta = None if lp is None or rp is None else max(abs(a - b) for a, b in zip(lp, rp))
    length = None if text is None else len(text)
    row: dict[str, Any] = {
        "id": rid, "status": status, "changes": [] if status == schema.SAME else ["label"],
        "text": text, "text_length": length, "length_bucket": _bucket(length),
        "has_upper": None if text is None else any(c.isupper() for c in text),
        "has_non_ascii": None if text is None else any(ord(c) > 127 for c in text),
        "has_inner_punct": None if text is None else bool(re.search(r"\w[^\w\s]\w", text)),
        "left_status": None if status == schema.MISSING_LEFT else "ok",
        "right_status": None if status == schema.MISSING_RIGHT else "ok",
        "left_error": None, "right_error": None,
        "left_label": left[0], "right_label": right[0],
        "left_probabilities": lp, "right_probabilities": rp, "max_abs_delta": delta,
        "left_truncated": False, "right_truncated": False,
        "left_piece_count": 12, "right_piece_count": 12,
        "words_equal": True, "pieces_equal": True,
        "word_alignment": None, "piece_alignment": None, "first_divergence": None,
        "cause": None, "sub_cause": None, "cause_word": None, "cause_position": None,
        "cause_evidence": None if status == schema.SAME else f"made by hand for {rid}",
        "cf_verdict": None, "cf_probabilities": None, "cf_max_abs_delta": None,
        "cf_consistent": None,
    }
    row.update(extra)
    return row


def _divergence(level: str, op: dict[str, Any]) -> dict[str, Any]:
    return {"level": level, "op": op["op"], "left_index": op["left_index"],
            "right_index": op["right_index"], "begin": op["begin"], "end": op["end"],
            "left_window": op["left_tokens"], "right_window": op["right_tokens"]}


def _rows(neg: str, pos: str) -> list[dict[str, Any]]:
    """Rows labelled with the model's two labels (neg, pos)."""
    split = _op(schema.SPLIT, ["don't"], ["don", "'", "t"], 30, 3, 3)
    words_split = [*_equal_ops(["i", "really", "said"]), split, *_equal_ops(["go"])]
    case = _op(schema.CHANGED, ["cafe"], ["café"], 130, 13, 13)
    long_pieces = [*_equal_ops([f"w{i}" for i in range(13)]), case,
                   *_equal_ops([f"v{i}" for i in range(6)])]
    cut = _op(schema.MISSING_IN_RIGHT, ["tail", "##s"], [], 500, 126, None)
    trunc_pieces = [*_equal_ops(["[CLS]", "long"]), cut]
    long_text = "Long review " + "very " * 80 + "end."
    pieces_cause = {"cause": "pieces", "sub_cause": "accent_one_side", "cause_word": "Café",
                    "cf_verdict": "reproduced", "cf_consistent": True}
    return [
        _row("s1", schema.SAME, "A fine film.", (pos, 0.9), (pos, 0.9)),
        _row("s2", schema.SAME, "dull", (neg, 0.1), (neg, 0.1)),
        _row("s3", schema.SAME, "It works, mostly.", (pos, 0.7), (pos, 0.7000001)),
        _row("s4", schema.SAME, "x" * 60, (neg, 0.2), (neg, 0.2)),
        _row("s5", schema.SAME, "", (neg, 0.4), (neg, 0.4)),
        _row("lab1", schema.LABEL_DIFFERS, f"Café {SCRIPT} was great", (pos, 0.8),
             (neg, 0.3), pieces_equal=False, piece_alignment=long_pieces,
             first_divergence=_divergence("pieces", case), **pieces_cause),
        _row("lab2", schema.LABEL_DIFFERS, "Café again \u202ereversed\u202c \x07bell",
             (pos, 0.6), (neg, 0.45), pieces_equal=False, piece_alignment=long_pieces,
             first_divergence=_divergence("pieces", case), **pieces_cause),
        _row("lab3", schema.LABEL_DIFFERS, long_text, (pos, 0.55), (neg, 0.35),
             right_truncated=True, pieces_equal=False, piece_alignment=trunc_pieces,
             first_divergence=_divergence("pieces", cut), cause="truncation",
             sub_cause=None, cause_word="tails", cf_verdict="reproduced", cf_consistent=True),
        _row("bnd", schema.LABEL_DIFFERS, "שלום 😀 עולם", (pos, 0.5004), (neg, 0.4996),
             cause="boundary", cf_verdict="reproduced", cf_consistent=False),
        _row("num", schema.SCORES_DIFFER, "Numbers drift", (pos, 0.9), (pos, 0.93),
             cause="numerics", cf_verdict="not_reproduced", cf_consistent=True),
        _row("tok1", schema.TOKENS_DIFFER, "I really said don't go", (neg, 0.2),
             (neg, 0.2), words_equal=False, word_alignment=words_split,
             first_divergence=_divergence("words", split), cause="words",
             cause_word="don't"),
        _row("tok2", schema.TOKENS_DIFFER, "I really said don't\xa0go!", (neg, 0.25),
             (neg, 0.25), words_equal=False, word_alignment=words_split,
             first_divergence=_divergence("words", split), cause="words",
             cause_word="don't"),
        _row("mis", schema.MISSING_RIGHT, "Lost on the right", (pos, 0.7), (None, None),
             cause="status", sub_cause="missing"),
        _row("err", schema.ERROR_LEFT, None, (None, None), (neg, 0.3),
             left_status="invalid_text", left_error="text is null", cause="status"),
        _row("extra", schema.NOT_IN_CORPUS, None, (pos, 0.8), (pos, 0.8), cause="status"),
    ]


@pytest.fixture(scope="module")
def rows(settings) -> list[dict[str, Any]]:
    return _rows(*settings.labels[:2])


@pytest.fixture(scope="module")
def summary(spark, rows, project_config, settings) -> Summary:
    frame = spark.createDataFrame(rows, schema=schema.ROWS_DDL)
    return build_summary(frame, LEFT_FP, RIGHT_FP, project_config, settings)


@pytest.fixture(scope="module")
def page(summary) -> str:
    return render_report(summary)


def _corpus(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r["status"] != schema.NOT_IN_CORPUS]


def _nearest_rank(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(q * len(ordered)) - 1, 0)]


def test_counts_rate_confusion(summary, rows, project_config):
    corpus = _corpus(rows)
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
    assert summary.passed is False  # 6 of 14 rows disagree: far above the default 5%
    assert "label disagreement" in summary.reason
    assert gate.max_label_disagreement_rate == project_config.compare.max_label_disagreement_rate
    json.loads(summary.to_json(), parse_constant=lambda c: pytest.fail(f"{c} in summary.json"))


def test_delta_quantiles_histogram_slices(summary, rows):
    corpus = _corpus(rows)
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


def test_tokens_causes_counterfactual_examples(summary, rows):
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


def test_verdict_line_is_made_from_the_model(summary):
    same = summary.corpus_rows - summary.gate.label_disagreeing_rows
    line = summary.line("out/report/")
    assert line.startswith(f"hfparity compare: FAIL {same:,}/{summary.corpus_rows:,} rows "
                           f"same-label ({same / summary.corpus_rows:.2%}), max |Δp| "
                           f"{summary.abs_delta.max:.4g} <= "
                           f"{summary.thresholds.max_abs_probability_delta:g} [")
    assert f"[{summary.reason}]" in line and line.endswith("; report out/report/index.html")
    assert plain(summary.gate)["passed"] is False


def _nan_rows(pos: str) -> list[dict[str, Any]]:
    """A row whose right probabilities are NaN (as the join writes it: |Δp| NaN, scores_differ),
    one with none on the right (|Δp| null) and two that agree."""
    nan = float("nan")
    return [
        _row("ok1", schema.SAME, "fine", (pos, 0.9), (pos, 0.9)),
        _row("ok2", schema.SAME, "also fine", (pos, 0.8), (pos, 0.8)),
        _row("nan", schema.SCORES_DIFFER, "nan here", (pos, 0.9), (pos, 0.9),
             right_probabilities=[nan, nan], max_abs_delta=nan),
        _row("mis", schema.MISSING_RIGHT, "no right", (pos, 0.7), (None, None)),
    ]


def test_nan_and_null_deltas_follow_the_one_rule(spark, project_config, settings):
    """NaN exceeds every limit (Spark's order, which the join used to call the row different);
    null compares nothing. The gate, the histogram, summary.json and the line all agree."""
    from dataclasses import replace

    assert schema.delta_exceeds(float("nan"), 1.0) and schema.delta_exceeds(0.5, 0.4)
    assert not schema.delta_exceeds(None, 0.0) and not schema.delta_exceeds(0.4, 0.4)
    lenient = replace(project_config, compare=replace(
        project_config.compare, max_label_disagreement_rate=1.0, max_abs_probability_delta=1.0))
    rows = _nan_rows(settings.labels[1])
    summary = build_summary(spark.createDataFrame(rows, schema=schema.ROWS_DDL), LEFT_FP,
                            RIGHT_FP, lenient, settings)
    assert math.isnan(summary.abs_delta.max) and summary.abs_delta.rows == 3
    last = summary.abs_delta.histogram[-1]
    assert last.rows == 1 and last.above(lenient.compare.probability_tolerance)
    assert summary.passed is False and summary.gate.delta_exceeded
    assert summary.reason == "max |Δprobability| nan > maximum 1"
    line = summary.line("out")
    assert line.startswith("hfparity compare: FAIL 3/4 rows same-label (75.00%), max |Δp| nan > 1")
    written = json.loads(summary.to_json(), parse_constant=lambda c: pytest.fail(c))
    assert written["gate"]["passed"] is False and written["gate"]["max_abs_delta"] is None

    without = build_summary(spark.createDataFrame([r for r in rows if r["id"] != "nan"],
                                                  schema=schema.ROWS_DDL),
                            LEFT_FP, RIGHT_FP, lenient, settings)
    assert without.passed and without.abs_delta.max == 0.0
    only_null = build_summary(spark.createDataFrame([rows[-1]], schema=schema.ROWS_DDL),
                              LEFT_FP, RIGHT_FP, lenient, settings)
    assert only_null.passed and only_null.abs_delta.max is None
    assert "max |Δprobability| none compared ≤ 1" in only_null.reason
    assert "max |Δp| n/a <= 1;" in only_null.line("out")


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_html_self_contained_and_escaped(page):
    parser = _Tags()
    parser.feed(page)
    names = {tag for tag, _ in parser.tags}
    assert "script" not in names and "link" not in names and "iframe" not in names
    assert not re.search(r"<\s*script", page, re.I)
    for tag, attrs in parser.tags:
        for key in ("src", "href", "xlink:href", "action", "data"):
            assert attrs.get(key) is None, (tag, key, attrs.get(key))
    assert "url(" not in page and "@import" not in page
    assert not re.search(r"https?://", page)
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "\x07" not in page and "U+0007" in page
    assert "\u202e" not in page and "U+202E" in page  # a bidi override cannot reorder the page
    assert "\xa0" not in page and "U+00A0" in page  # no-break space shown, not blank
    assert "שלום" in page and "😀" in page
    assert page.count("▼") >= 3  # the first divergence is marked in each token diff


def _png_rows(path: Path, max_rows: int) -> tuple[int, list[bytes]]:
    """Width and the first max_rows scanlines (RGB/RGBA bytes) of a PNG, unfiltered."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompressobj().decompress(idat, (width * bpp + 1) * max_rows)
    out, prev = [], bytearray(width * bpp)
    stride = width * bpp + 1
    for y in range(min(height, max_rows, len(raw) // stride)):
        kind, line = raw[y * stride], bytearray(raw[y * stride + 1:(y + 1) * stride])
        for i in range(len(line)):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out.append(bytes(line[j] for j in range(len(line)) if j % bpp < 3))
        prev = line
    return width, out


def test_screenshot_shows_headline(page, summary, rows, tmp_path):
    corpus = _corpus(rows)
    labelled = [r for r in corpus if r["left_label"] and r["right_label"]]
    rate_text = format_percent(sum(r["left_label"] == r["right_label"] for r in labelled)
                               / len(labelled))
    rows_text = format_rows(len(corpus))
    index = tmp_path / "index.html"
    index.write_text(page, encoding="utf-8")
    shot = tmp_path / "shot.png"
    done = chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2000",
                     index.as_uri())
    assert shot.is_file(), f"chromium wrote no screenshot: {done.stderr[-2000:]}"

    # Pixels: the headline area is not blank and shows the FAIL verdict's red (#b71c1c).
    width, lines = _png_rows(shot, 260)
    pixels = {line[i:i + 3] for line in lines for i in range(0, width * 3, 3)}
    assert bytes((0xB7, 0x1C, 0x1C)) in pixels
    assert any(max(p) < 60 for p in pixels)  # black headline text

    tesseract = shutil.which("tesseract")
    if tesseract is not None:
        ocr = subprocess.run([tesseract, str(shot), "stdout", "--psm", "3"],
                             capture_output=True, text=True, timeout=180, check=True).stdout
        flat = " ".join(ocr.split())
        assert rate_text in flat, f"OCR did not read {rate_text!r}: {flat[:400]!r}"
        assert rows_text in flat, f"OCR did not read {rows_text!r}: {flat[:400]!r}"
        assert "FAIL" in flat.replace(" ", "")  # OCR may split the badge's letters
    else:  # never silently: say it, and check what Chromium rendered instead
        warnings.warn("tesseract not installed: checked the rendered DOM and pixels only, "
                      "not OCR (apt-get install -y tesseract-ocr)", stacklevel=1)
        dom = chromium(tmp_path, "--dump-dom", index.as_uri()).stdout
        assert f'<div class="big">{rate_text}</div>' in dom
        assert f'<div class="big rows">{rows_text}</div>' in dom


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
    assert "don&#x27;t" in render_report(summary)


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
    assert not summary.passed and "max |Δprobability| nan" in summary.reason
