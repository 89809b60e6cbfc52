"""The NER report page: the task's own first screen (index.html) from summary.json's figures.

It states what was compared with what (Hugging Face's pipeline aggregation, Spark NLP's
settings), the word-level and entity-level figures, the causes with their counts, the
counterfactual's share, and for the worst rows the text with both sides' entities marked side by
side. Rendered with the report's template environment (html.py: autoescape on).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from spark_pipelines.report.html import environment

Segment = tuple[str, str | None]  # text, entity type (None: outside every entity)


def marked(text: str, entities: Sequence[Sequence[Any]]) -> list[Segment]:
    """The text cut into segments, each inside one entity (its type) or outside all; entities
    are (start, end, type, ...) code point spans, end exclusive, not overlapping."""
    segments: list[Segment] = []
    at = 0
    for start, end, kind, *_ in sorted(entities, key=lambda e: (e[0], e[1])):
        if start < at:
            continue
        if start > at:
            segments.append((text[at:start], None))
        segments.append((text[start:end], str(kind)))
        at = end
    if at < len(text):
        segments.append((text[at:], None))
    return segments


def worst_examples(summary: dict[str, Any], words: list[dict[str, Any]],
                   entities: list[dict[str, Any]], sparks: Sequence[Any], hfs: Sequence[Any]
                   ) -> list[dict[str, Any]]:
    """For each worst row: both sides' marked text, its differing entities and words."""
    by_id = {s.id: (s, h) for s, h in zip(sparks, hfs)}
    examples = []
    for row_id in summary["worst_rows"]:
        spark, hf = by_id[row_id]
        examples.append({
            "id": row_id,
            "sparknlp": marked(spark.text, spark.entities),
            "hf": marked(spark.text, hf.entities),
            "entities": [e for e in entities if e["id"] == row_id and e["status"] != "match"],
            "words": [w for w in words if w["id"] == row_id and w["status"] != "agree"][:12]})
    return examples


def write_report(out: Path, summary: dict[str, Any], words: list[dict[str, Any]],
                 entities: list[dict[str, Any]], sparks: Sequence[Any], hfs: Sequence[Any]
                 ) -> Path:
    """out/index.html for a NER check."""
    page = environment().get_template("ner.html").render(
        summary=summary, examples=worst_examples(summary, words, entities, sparks, hfs))
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
