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


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6f}"
    return html.escape(str(value))


def verdict(summary: Mapping[str, Any]) -> str:
    measured, agree = summary["measured_rows"], summary["agree_rows"]
    if measured == 0:
        return (f"NOT MEASURED: no row has a vector of one dimension on both sides "
                f"({summary['rows']} rows: {summary['statuses']})")
    word = "AGREE" if summary["gate"]["passed"] else "DIFFER"
    return (f"{word}: {agree} of {summary['rows']} rows agree "
            f"({measured} measured; statuses {summary['statuses']})")


def write_html(summary: Mapping[str, Any], rows: Sequence[Mapping[str, Any]],
               path: str | Path) -> None:
    cosine, retrieval = summary["cosine"], summary["retrieval"]
    items = [("Verdict", verdict(summary)),
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
