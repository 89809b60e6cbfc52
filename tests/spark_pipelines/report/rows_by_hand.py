"""Report rows made by hand, one or more per status and per cause, with hostile texts (markup,
RTL, emoji, control characters): the input of the summary and page tests in this folder."""

from __future__ import annotations

import re
from typing import Any

from spark_pipelines.report import schema

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


def report_row(rid: str, status: str, text: str | None, left: tuple[str | None, float | None],
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


def rows_by_hand(neg: str, pos: str) -> list[dict[str, Any]]:
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
        report_row("s1", schema.SAME, "A fine film.", (pos, 0.9), (pos, 0.9)),
        report_row("s2", schema.SAME, "dull", (neg, 0.1), (neg, 0.1)),
        report_row("s3", schema.SAME, "It works, mostly.", (pos, 0.7), (pos, 0.7000001)),
        report_row("s4", schema.SAME, "x" * 60, (neg, 0.2), (neg, 0.2)),
        report_row("s5", schema.SAME, "", (neg, 0.4), (neg, 0.4)),
        report_row("lab1", schema.LABEL_DIFFERS, f"Café {SCRIPT} was great", (pos, 0.8),
             (neg, 0.3), pieces_equal=False, piece_alignment=long_pieces,
             first_divergence=_divergence("pieces", case), decisive_unit=schema.DECISIVE_WORD,
             decisive_word="Café", **pieces_cause),
        report_row("lab2", schema.LABEL_DIFFERS, "Café again \u202ereversed\u202c \x07bell",
             (pos, 0.6), (neg, 0.45), pieces_equal=False, piece_alignment=long_pieces,
             first_divergence=_divergence("pieces", case), decisive_unit=schema.DECISIVE_PIECE,
             decisive_word="Café", **pieces_cause),
        report_row("lab3", schema.LABEL_DIFFERS, long_text, (pos, 0.55), (neg, 0.35),
             right_truncated=True, pieces_equal=False, piece_alignment=trunc_pieces,
             first_divergence=_divergence("pieces", cut), cause="truncation",
             sub_cause=None, cause_word="tails", cf_verdict="reproduced", cf_consistent=True),
        report_row("bnd", schema.LABEL_DIFFERS, "שלום 😀 עולם", (pos, 0.5004), (neg, 0.4996),
             cause="boundary", cf_verdict="reproduced", cf_consistent=False,
             decisive_unit=schema.DECISIVE_NOT_REPRODUCED),
        report_row("num", schema.SCORES_DIFFER, "Numbers drift", (pos, 0.9), (pos, 0.93),
             cause="numerics", cf_verdict="not_reproduced", cf_consistent=True),
        report_row("tok1", schema.TOKENS_DIFFER, "I really said don't go", (neg, 0.2),
             (neg, 0.2), words_equal=False, word_alignment=words_split,
             first_divergence=_divergence("words", split), cause="words",
             cause_word="don't"),
        report_row("tok2", schema.TOKENS_DIFFER, "I really said don't\xa0go!", (neg, 0.25),
             (neg, 0.25), words_equal=False, word_alignment=words_split,
             first_divergence=_divergence("words", split), cause="words",
             cause_word="don't"),
        report_row("mis", schema.MISSING_RIGHT, "Lost on the right", (pos, 0.7), (None, None),
             cause="status", sub_cause="missing"),
        report_row("err", schema.ERROR_LEFT, None, (None, None), (neg, 0.3),
             left_status="invalid_text", left_error="text is null", cause="status"),
        report_row("extra", schema.NOT_IN_CORPUS, None, (pos, 0.8), (pos, 0.8), cause="status"),
    ]



def corpus_only(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r["status"] != schema.NOT_IN_CORPUS]

