"""Score a side's recorded model-input pieces with the reference scorer (pure Python).

Shared by the Spark counterfactual (on executors) and the in-process controlled experiment;
the scorer brings torch with it, this module does not import it.
"""

from __future__ import annotations

from typing import Any

from spark_pipelines.explain.verdict import CF_ERROR, cf_verdict


def model_input_ids(pieces: list[dict[str, Any]], tokenizer: Any) -> list[int]:
    """The ids the model saw: recorded ids (or the vocabulary's, when only strings were kept),
    framed by [CLS] ... [SEP] when the side did not record them."""
    ids = []
    for piece in pieces:
        value = piece.get("id")
        ids.append(int(value) if value is not None
                   else int(tokenizer.convert_tokens_to_ids(piece["piece"])))
    if not ids or ids[0] != tokenizer.cls_token_id:
        ids.insert(0, int(tokenizer.cls_token_id))
    if ids[-1] != tokenizer.sep_token_id:
        ids.append(int(tokenizer.sep_token_id))
    return ids


def exact_model_input(row: dict[str, Any], tokenizer: Any
                      ) -> tuple[list[int], list[int] | None, list[int] | None]:
    """(ids, attention mask, token type ids) the side fed its model: its recorded model input
    when it has one (input_ids, attention_mask, token_type_ids), else the ids of its pieces
    with every position attended (records written before the model-input columns)."""
    ids = row.get("input_ids")
    if ids:
        mask = row.get("attention_mask")
        types = row.get("token_type_ids")
        return ([int(i) for i in ids], None if mask is None else [int(m) for m in mask],
                None if types is None else [int(t) for t in types])
    return model_input_ids(list(row["pieces"]), tokenizer), None, None


def score_rows(scorer: Any, rows: list[dict[str, Any]], tolerance: float
               ) -> list[dict[str, Any]]:
    """One counterfactual row per input row (id, pieces, right_probabilities and the right
    side's model input); a batch that fails is retried row by row so one bad row gets verdict
    `error`, not a failed task."""
    try:
        inputs = [exact_model_input(row, scorer.tokenizer) for row in rows]
        logits, probabilities = scorer.score_ids([i[0] for i in inputs], [i[1] for i in inputs],
                                                 [i[2] for i in inputs])
        return [_cf_row(row, lg, pr, tolerance)
                for row, lg, pr in zip(rows, logits, probabilities)]
    except Exception:
        if len(rows) == 1:
            return [{"id": rows[0]["id"], "cf_probabilities": None, "cf_logits": None,
                     "cf_verdict": CF_ERROR, "cf_max_abs_delta": None}]
        return [out for row in rows for out in score_rows(scorer, [row], tolerance)]


def _cf_row(row: dict[str, Any], logits: Any, probabilities: Any, tolerance: float
            ) -> dict[str, Any]:
    verdict, delta = cf_verdict(probabilities, row["right_probabilities"], tolerance)
    return {
        "id": row["id"],
        "cf_probabilities": [float(p) for p in probabilities],
        "cf_logits": [float(x) for x in logits],
        "cf_verdict": verdict,
        "cf_max_abs_delta": float(delta),
    }
