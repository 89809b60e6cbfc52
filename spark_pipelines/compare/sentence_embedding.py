"""The sentence-embedding join: per row cosine, max |Δ|, norm ratio, dimensions; at corpus level
the cosine quantiles, top-k neighbour overlap and rank correlation; and which re-computation
reproduces each differing Spark NLP vector (its cause).

Pure numpy/pyarrow (the join path never imports torch): the HF re-computations arrive as arrays
(hf_reference/sentence_embedding.py makes them). Every corpus row gets a status:
`agree` / `differs` (both vectors measured), `dimension_mismatch`, `missing_reference`,
`missing_sparknlp` (a side has no vector), `unscored_both` (a null or non-string text: both
sides write invalid_text, as for the classifier; not measured). Only `agree` reads as
agreement, and corpus metrics say how many rows they were measured on.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from parity_core.errors import ConfigError
from parity_core.records import STATUS_INVALID_TEXT
from parity_core.tasks.sentence_embedding import compare_vectors
from spark_pipelines.report.schema import UNSCORED_BOTH
from spark_pipelines.report.sentence_embedding import AGREE, DIFFERING

CONF = Path(__file__).resolve().parents[2] / "conf" / "sentence_embedding.yaml"


@dataclass(frozen=True)
class EmbeddingThresholds:
    """conf/sentence_embedding.yaml (each key documented there)."""

    cosine_tolerance: float = 1e-5
    abs_tolerance: float = 1e-3
    reproduce_cosine_tolerance: float = 1e-6
    neighbours_k: int = 10
    query_rows: int = 100
    query_seed: int = 31
    max_disagreement_rate: float = 0.005


def thresholds(path: str | Path = CONF) -> EmbeddingThresholds:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    section = data.get("compare", {})
    known = set(EmbeddingThresholds.__dataclass_fields__)
    unknown = set(section) - known
    if unknown:
        raise ConfigError(f"{path}: unknown keys {sorted(unknown)} under compare")
    return EmbeddingThresholds(**section)


def join(reference: Sequence[Mapping[str, Any]], sparknlp: Sequence[Mapping[str, Any]],
         limits: EmbeddingThresholds) -> list[dict[str, Any]]:
    """One row per reference row (the corpus order), matched by id."""
    spark_by_id = {r["id"]: r for r in sparknlp}
    rows = []
    for ref in reference:
        other = spark_by_id.get(ref["id"], {})
        a, b = ref.get("vector"), other.get("vector")
        diff = compare_vectors(a, b, limits.cosine_tolerance, limits.abs_tolerance)
        if a is None and ref.get("status") == other.get("status") == STATUS_INVALID_TEXT:
            status = UNSCORED_BOTH
        elif a is None:
            status = "missing_reference"
        elif b is None:
            status = "missing_sparknlp"
        elif len(a) != len(b):
            status = "dimension_mismatch"
        else:
            status = AGREE if diff.agrees else "differs"
        rows.append({"id": ref["id"], "status": status,
                     "reference_status": ref.get("status"),
                     "sparknlp_status": other.get("status", "absent"),
                     "reference_dimension": ref.get("dimension"),
                     "sparknlp_dimension": other.get("dimension"),
                     "cosine": diff.cosine, "max_abs_delta": diff.max_abs_delta,
                     "norm_ratio": diff.norm_ratio, "reference_norm": ref.get("norm"),
                     "sparknlp_norm": other.get("norm"), "cause": None, "reproduced": None})
    return rows


def reproduces(candidate: np.ndarray, observed: np.ndarray, cosine_tolerance: float,
               abs_tolerance: float) -> bool:
    """A re-computation reproduces Spark NLP's vector: same dimension and cosine ≥ 1 - tol, or
    |Δ| within abs_tolerance scaled to the vector's norm."""
    if candidate.shape != observed.shape:
        return False
    diff = compare_vectors(candidate.tolist(), observed.tolist(), cosine_tolerance, 0.0)
    scale = max(1.0, float(np.linalg.norm(observed)))
    return bool(diff.cosine is not None and diff.cosine >= 1 - cosine_tolerance
                and diff.max_abs_delta is not None
                and diff.max_abs_delta <= abs_tolerance * scale) or bool(
        diff.max_abs_delta is not None and diff.max_abs_delta <= 1e-6 * scale)


def name_causes(rows: list[dict[str, Any]], observed: Mapping[str, np.ndarray],
                candidates: Mapping[str, Mapping[str, np.ndarray]],
                limits: EmbeddingThresholds) -> None:
    """For each row not in agreement, the first candidate (in the given order) that reproduces
    Spark NLP's vector; `reproduced` False where none does (the cause stays unnamed, or names
    the Spark NLP status of a row that has no vector there)."""
    for row in rows:
        vector = observed.get(row["id"])
        if row["status"] not in DIFFERING:
            continue
        row["reproduced"] = False
        if vector is None:  # nothing to re-compute: the status says what happened
            row["cause"] = f"no Spark NLP vector ({row['sparknlp_status']})"
            continue
        for name, by_id in candidates.items():
            candidate = by_id.get(row["id"])
            if candidate is not None and reproduces(candidate, vector,
                                                    limits.reproduce_cosine_tolerance,
                                                    limits.abs_tolerance):
                row["cause"], row["reproduced"] = name, True
                break


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def retrieval(reference: np.ndarray, sparknlp: np.ndarray, limits: EmbeddingThresholds
              ) -> dict[str, Any]:
    """Top-k neighbour overlap and Spearman of similarities for seeded query rows (cosine
    similarity; the query itself excluded), over rows both sides embedded with one dimension."""
    count = reference.shape[0]
    if count <= limits.neighbours_k:
        return {"measured": False, "reason": f"{count} comparable rows <= k"}
    rng = np.random.default_rng(limits.query_seed)
    queries = rng.choice(count, size=min(limits.query_rows, count), replace=False)
    ref_sim = _unit(reference[queries]) @ _unit(reference).T
    spark_sim = _unit(sparknlp[queries]) @ _unit(sparknlp).T
    overlaps, rhos = [], []
    for q, row in enumerate(queries):
        ref_row, spark_row = np.delete(ref_sim[q], row), np.delete(spark_sim[q], row)
        top_ref = set(np.argsort(-ref_row)[:limits.neighbours_k])
        top_spark = set(np.argsort(-spark_row)[:limits.neighbours_k])
        overlaps.append(len(top_ref & top_spark) / limits.neighbours_k)
        rhos.append(_spearman(ref_row, spark_row))
    return {"measured": True, "k": limits.neighbours_k, "query_rows": len(queries),
            "over_rows": count, "top_k_overlap_mean": float(np.mean(overlaps)),
            "top_k_overlap_min": float(np.min(overlaps)),
            "spearman_mean": float(np.mean(rhos)), "spearman_min": float(np.min(rhos))}


def summarise(rows: list[dict[str, Any]], retrieval_metrics: Mapping[str, Any],
              limits: EmbeddingThresholds, context: Mapping[str, Any]) -> dict[str, Any]:
    statuses = Counter(r["status"] for r in rows)
    cosines = np.array([r["cosine"] for r in rows if r["cosine"] is not None])
    differing = [r for r in rows if r["status"] in DIFFERING]
    explained = [r for r in differing if r["reproduced"]]
    measured = statuses[AGREE] + statuses["differs"]
    rate = len(differing) / max(1, len(rows))
    return {
        **context, "rows": len(rows), "statuses": dict(statuses),
        "cosine": ({"measured_rows": int(cosines.size), "p1": float(np.quantile(cosines, 0.01)),
                    "p50": float(np.quantile(cosines, 0.5)), "min": float(cosines.min())}
                   if cosines.size else {"measured_rows": 0}),
        "max_abs_delta_max": max((r["max_abs_delta"] for r in rows
                                  if r["max_abs_delta"] is not None), default=None),
        "dimensions": {"reference": sorted({r["reference_dimension"] for r in rows
                                            if r["reference_dimension"]}),
                       "sparknlp": sorted({r["sparknlp_dimension"] for r in rows
                                           if r["sparknlp_dimension"]})[:10]},
        "retrieval": dict(retrieval_metrics),
        "causes": dict(Counter(r["cause"] or "not reproduced" for r in differing)),
        "differing_rows": len(differing), "reproduced_rows": len(explained),
        "reproduced_share": (len(explained) / len(differing)) if differing else None,
        "agree_rows": statuses[AGREE], "measured_rows": measured,
        "gate": {"max_disagreement_rate": limits.max_disagreement_rate,
                 "disagreement_rate": rate, "passed": rate <= limits.max_disagreement_rate
                 and measured > 0},
    }


def write(rows: list[dict[str, Any]], summary: Mapping[str, Any], out: str | Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = Path(out)
    (folder / "rows").mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), folder / "rows" / "part-0.parquet")
    (folder / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
