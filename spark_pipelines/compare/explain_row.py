"""The explanation of one report row in pure Python: the reference the JVM function follows.

compare/rows.py explains rows on the executors with the Java twin of this module
(java/hfparity/explain/ExplainRow.java, with Align.java and Attribute.java porting align.py and
compare/attribution.py), because a Python pass over a million differing rows costs more than
the rest of the join. This module is the readable definition: tests hold the Java function to
it row by row on real records, and explain.experiment and notebooks can call it directly.
"""

from __future__ import annotations

from typing import Any

from spark_pipelines.compare.align import align, first_divergence
from spark_pipelines.compare.attribution import (
    SPLIT_DIFFERENTLY,
    UNDETERMINED,
    WORDS,
    Attribution,
    attribute,
)
from spark_pipelines.compare.schema import EQUAL, NOT_IN_CORPUS, SAME

# What an explanation holds; also the field order of the JVM function's struct (EXPLAIN_DDL).
EXPLAIN_FIELDS = (
    "word_alignment", "piece_alignment", "div_level", "div_op", "div_left_index",
    "div_right_index", "div_begin", "div_end", "div_left_window", "div_right_window",
    "cause", "sub_cause", "cause_word", "cause_position", "cause_evidence", "cf_consistent",
)
INT_FIELDS = frozenset({"text_length", "piece_count", "label_id"})


def _plain(value: Any, integer: bool = False) -> Any:
    """Python None/int/str from what pandas hands over (NaN for null, floats for nullable ints
    nested in lists, numpy scalars)."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and value != value:  # NaN
        return None
    return int(value) if integer else value


def _tokens(items: Any, integers: tuple[str, ...]) -> list[dict[str, Any]] | None:
    if items is None or isinstance(items, float):
        return None
    return [{k: _plain(v, k in integers) for k, v in dict(item).items()} for item in items]


def _present(record: Any) -> dict[str, Any] | None:
    """A record as plain Python, or None for a null struct (its id comes through null)."""
    if record is None or _plain(record.get("id")) is None:
        return None
    out = {key: _plain(value, key in INT_FIELDS) for key, value in record.items()
           if key not in ("words", "pieces", "probabilities", "logits")}
    out["words"] = _tokens(record.get("words"), ("begin", "end"))
    out["pieces"] = _tokens(record.get("pieces"), ("id", "begin", "end"))
    for key in ("probabilities", "logits"):
        values = record.get(key)
        out[key] = None if values is None or isinstance(values, float) else [
            float(v) for v in values]
    return out


def explain_row(status: str, left: Any, right: Any, cf: Any, tolerance: float
                ) -> dict[str, Any]:
    """Alignment, first divergence and attribution of one report row (pure Python).

    Alignments are kept only where the sequences differ; the first divergence is taken at
    piece level when the pieces differ (what the model saw), else at word level.
    """
    out: dict[str, Any] = dict.fromkeys(EXPLAIN_FIELDS)
    if status == SAME:
        return out
    lrec, rrec = _present(left), _present(right)
    cf_row = cf if cf is not None and isinstance(cf.get("cf_verdict"), str) else None
    divergence = None
    for level in ("words", "pieces"):
        lseq = None if lrec is None else lrec[level]
        rseq = None if rrec is None else rrec[level]
        ops = align(lseq, rseq)
        if ops is None or all(op["op"] == EQUAL for op in ops):
            continue
        out[f"{level[:-1]}_alignment"] = ops
        divergence = first_divergence(ops, lseq, rseq, level) or divergence
    for name, value in (divergence or {}).items():
        out[f"div_{name}"] = value
    found = attribute(lrec, rrec, tolerance, cf_row)
    if found.cause is None and status != NOT_IN_CORPUS:
        found = _fallback_cause(found, out["word_alignment"], divergence)
    out.update(cause=found.cause, sub_cause=found.sub_cause, cause_word=found.word,
               cause_position=found.position, cause_evidence=found.evidence or None,
               cf_consistent=found.cf_consistent)
    return out


def _fallback_cause(found: Attribution, word_ops: list[dict[str, Any]] | None,
                    divergence: dict[str, Any] | None) -> Attribution:
    """A cause for a row that differs where attribution sees no output disagreement.

    Attribution explains differing outputs; a row whose only difference is how the words were
    cut (same characters, same pieces) still parts first at the word stage, so it gets cause
    `words` / split_differently at the first diverging word. Anything else is `undetermined`.
    """
    if word_ops and divergence is not None and divergence["level"] == "words":
        op = next(op for op in word_ops if op["op"] != EQUAL)
        lt, rt = op["left_tokens"], op["right_tokens"]
        word = lt[0] if len(lt) == 1 else rt[0] if len(rt) == 1 else " ".join(lt or rt)
        return Attribution(WORDS, SPLIT_DIFFERENTLY, word, divergence["left_index"],
                           found.evidence or "word tokens cut differently")
    return Attribution(UNDETERMINED, None, None, None,
                       found.evidence or "the row differs but no stage explains it")


