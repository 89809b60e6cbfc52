"""The sentence-embedding report's first screen (index.html): what a person reads first.

The verdict line counts only measured rows (`agree` needs both vectors, one dimension, and the
thresholds of conf/sentence_embedding.yaml); rows without a vector on a side, or with another
dimension, are counted under their own status, never as agreement.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from parity_core.files import REPORT_FILE
from spark_pipelines.report.model import format_percent
from spark_pipelines.report.schema import UNSCORED_BOTH

# The join's row statuses (spark_pipelines/compare/sentence_embedding.py decides them). Only
# AGREE reads as agreement; UNSCORED_BOTH (a null or non-string text: neither side embeds it,
# as for the classifier) is not measured.
AGREE = "agree"
DIFFERING = ("differs", "dimension_mismatch", "missing_reference", "missing_sparknlp")


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6f}"
    return html.escape(str(value))


def changes(summary: Mapping[str, Any]) -> str:
    """How many vectors differ, plainly, counted over every corpus row: what the verdict line
    says first ("130 of 2,578 vectors differ from sentence-transformers (5.04%): ...")."""
    rows, statuses, cosine = summary["rows"], summary["statuses"], summary["cosine"]
    differing = sum(statuses.get(s, 0) for s in DIFFERING)
    parts = [f"{statuses[s]:,} {s}" for s in DIFFERING if statuses.get(s)]
    text = (f"{differing:,} of {rows:,} vectors differ from sentence-transformers "
            f"({format_percent(differing / rows if rows else None)})")
    text += f" ({', '.join(parts)})" if parts else ""
    if statuses.get(UNSCORED_BOTH):
        text += f", {statuses[UNSCORED_BOTH]:,} {UNSCORED_BOTH} (null or non-string text)"
    if cosine.get("measured_rows"):
        text += (f"; cosine p1 {cosine['p1']:.4f}, p50 {cosine['p50']:.4f}, min "
                 f"{cosine['min']:.4f} over {cosine['measured_rows']:,} measured rows")
    else:
        text += "; no row measured (no vector of one dimension on both sides)"
    return text


def verdict_line(summary: Mapping[str, Any], out_dir: str | Path) -> str:
    """`hfparity compare: PASS|FAIL: <changes> [why it fails]; report <out_dir>/index.html`:
    the sequence classifier's verdict form (report/model.py Summary.line)."""
    gate = summary["gate"]
    line = f"hfparity compare: {'PASS' if gate['passed'] else 'FAIL'}: {changes(summary)}"
    if not gate["passed"]:
        reason = ("no row measured" if not summary["measured_rows"] else
                  f"{format_percent(gate['disagreement_rate'])} of rows differ > "
                  f"max_disagreement_rate {format_percent(gate['max_disagreement_rate'])}")
        line += f" [{reason}]"
    return f"{line}; report {str(out_dir).rstrip('/')}/{REPORT_FILE}"


def write_html(summary: Mapping[str, Any], rows: Sequence[Mapping[str, Any]],
               path: str | Path) -> None:
    cosine, retrieval = summary["cosine"], summary["retrieval"]
    items = [("Verdict", verdict_line(summary, Path(path).parent)),
             ("Spark NLP", summary["sparknlp"]), ("Reference (sentence-transformers)",
                                                  summary["spec"]),
             ("Cosine p1 / p50 / min", " / ".join(_fmt(cosine.get(k)) for k in
                                                  ("p1", "p50", "min"))
              if cosine.get("measured_rows") else "not measured"),
             ("Dimensions", summary["dimensions"]),
             (f"Top-{retrieval.get('k', '')} neighbour overlap (mean / min)",
              f"{_fmt(retrieval['top_k_overlap_mean'])} / {_fmt(retrieval['top_k_overlap_min'])}"
              f" over {retrieval['query_rows']} queries" if retrieval.get("measured")
              else f"not measured ({retrieval.get('reason')})"),
             ("Spearman of similarities (mean)", _fmt(retrieval.get("spearman_mean"))
              if retrieval.get("measured") else "not measured"),
             ("Causes (proven by re-computation)", summary["causes"]),
             ("Share reproduced", _fmt(summary["reproduced_share"]))]
    table = "\n".join(f"<tr><th>{html.escape(k)}</th><td>{_fmt(v)}</td></tr>" for k, v in items)
    worst = sorted((r for r in rows if r["cosine"] is not None), key=lambda r: r["cosine"])[:20]
    detail = "\n".join(
        f"<tr><td>{_fmt(r['id'])}</td><td>{_fmt(r['status'])}</td><td>{_fmt(r['cosine'])}</td>"
        f"<td>{_fmt(r['max_abs_delta'])}</td><td>{_fmt(r['norm_ratio'])}</td>"
        f"<td>{_fmt(r['cause'])}</td></tr>" for r in worst)
    Path(path).write_text(
        "<!doctype html><meta charset='utf-8'><title>hfparity: sentence embeddings</title>"
        "<h1>Sentence embeddings: Spark NLP against sentence-transformers</h1>"
        f"<table>{table}</table><h2>Lowest cosine rows</h2><table><tr><th>id</th>"
        "<th>status</th><th>cosine</th><th>max |Δ|</th><th>norm ratio</th><th>cause</th></tr>"
        f"{detail}</table>", encoding="utf-8")
