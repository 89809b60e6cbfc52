"""`hfparity check` and `hfparity fix` for a token-classification (NER) checkpoint.

The task follows config.json's architecture (`*ForTokenClassification`); jobs/hfparity.py sends
such a checkpoint here after its own inspection and corpus check. conf/ner.yaml states the
Hugging Face aggregation, the Spark NLP settings and the word tolerance. The check writes
OUTPUT/model/ (the import), OUTPUT/report/{index.html, summary.json, rows/words.parquet,
rows/entities.parquet}.

The fix reads a check's summary.json and proposes the Spark NLP settings whose cause it found:
the family's word-split pattern (a RegexTokenizer in place of Tokenizer) where words reach the
model as other pieces (first_chunk, pieces), a maxSentenceLength that covers the longest row
where words were left unlabelled (truncation), and the checkpoint's caseSensitive where the
check ran with another. It re-runs the check with the proposal (the proof) and prints both
runs' figures; what no setting removes (summary.json's no_setting_removes: the family rules,
fixed in Spark NLP's code, and the grouping rule, which none of NerConverter 5.5.3's settings
changes) is printed as remaining, with its count, never "fixed".
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import yaml

from parity_core.checkpoint import CheckpointInfo, inspect_checkpoint
from parity_core.errors import BadInput
from parity_core.tasks.token_classification import AGGREGATIONS

REPO = Path(__file__).resolve().parents[2]
CONF = REPO / "conf" / "ner.yaml"
REPORT_DIR = "report"
SPARKNLP_MAX = 512
PIECE_CAUSES = ("first_chunk", "pieces")
LENGTH_CAUSES = ("truncation", "truncation_pairing")


def ner_conf(path: Path = CONF) -> dict[str, Any]:
    """conf/ner.yaml, checked: aggregation one of the pipeline's grouping strategies."""
    conf = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    aggregation = str((conf.get("hf") or {}).get("aggregation", "first"))
    if aggregation not in AGGREGATIONS:
        raise BadInput(f"{path}: hf.aggregation {aggregation!r}: use one of "
                       f"{', '.join(AGGREGATIONS)}")
    return {"aggregation": aggregation, "sparknlp": conf.get("sparknlp") or {},
            "tolerance": float(conf.get("tolerance", 1e-3))}


def _settings(conf: dict[str, Any], max_length: int, info: CheckpointInfo) -> Any:
    """Spark NLP's settings: conf/ner.yaml's, caseSensitive the checkpoint's (not
    do_lower_case, as for a sequence classifier) unless the conf names one."""
    from spark_pipelines.sparknlp.ner import NerSettings

    spark = conf["sparknlp"]
    case = spark.get("case_sensitive")
    return NerSettings(max_sentence_length=max_length,
                       case_sensitive=not info.do_lower_case if case is None else bool(case),
                       batch_size=int(spark.get("batch_size", 8)),
                       converter_no_schema=bool(spark.get("converter_no_schema", False)))


def check_command(args: Any, info: CheckpointInfo, corpus: str, say: Callable[[str], None]
                  ) -> int:
    """Import (cached), run the NER check, print the figures; exit 0 when every word and entity
    agrees, 1 when any differs."""
    from jobs.hfparity_steps.model_import import import_checkpoint
    from jobs.hfparity_steps.ner_check import run_check, verdict_lines

    started = time.time()
    conf = ner_conf()
    output = Path(args.output).resolve()
    model = import_checkpoint(info, output / "model", say=say, quantize=args.quantize)
    settings = _settings(conf, args.max_length, info)
    summary = run_check(info, model, corpus, output / REPORT_DIR, settings, conf["aggregation"],
                        say=say, tolerance=conf["tolerance"],
                        columns=(args.id_column, args.text_column),
                        pipeline=str(Path(args.pipeline).resolve()) if args.pipeline else None)
    for line in verdict_lines(summary):
        say(line)
    say(f"report: {output / REPORT_DIR / 'index.html'}")
    say(f"check done in {time.time() - started:.1f} s")
    return 0 if summary["differing_words"] == 0 and set(summary["entity_status"]) <= {"match"} \
        else 1


def is_ner_report(report: str) -> bool:
    """A check's report folder (or its parent) holding a token-classification summary."""
    return _summary_path(report) is not None


def _summary_path(report: str) -> Path | None:
    for folder in (Path(report), Path(report) / REPORT_DIR):
        path = folder / "summary.json"
        if path.is_file():
            try:
                if json.loads(path.read_text()).get("task") == "token_classification":
                    return path
            except ValueError:
                return None
    return None


def needed_length(summary_dir: Path) -> int:
    """The model-input length that keeps every row's pieces (start and end tokens included),
    at most Spark NLP's 512, read from the words' Spark NLP pieces in rows/words.parquet: the
    longest row's piece count + 2 when known, else 512."""
    import pandas as pd

    words = pd.read_parquet(summary_dir / "rows" / "words.parquet",
                            columns=["id", "hf_pieces"])
    longest = int(words.groupby("id")["hf_pieces"].apply(lambda p: sum(len(x) for x in p)).max())
    return min(SPARKNLP_MAX, longest + 2)


def propose(summary: dict[str, Any], summary_dir: Path, info: CheckpointInfo
            ) -> tuple[dict[str, Any], list[str]]:
    """(the setting changes, why each) from the check's word causes."""
    from parity_core.families.pattern import word_split_pattern

    causes = summary["word_causes"]
    changes: dict[str, Any] = {}
    why = []
    if summary["sparknlp_settings"]["case_sensitive"] == info.do_lower_case:
        changes["case_sensitive"] = not info.do_lower_case
        why.append(f"caseSensitive was {not changes['case_sensitive']}, the checkpoint's "
                   f"do_lower_case is {info.do_lower_case}: setCaseSensitive"
                   f"({changes['case_sensitive']})")
    if any(causes.get(c) for c in PIECE_CAUSES):
        changes["tokenizer_pattern"] = word_split_pattern(info.family.tokenizer_model)
        why.append(f"{sum(causes.get(c, 0) for c in PIECE_CAUSES)} words reach the model as "
                   f"other pieces (first_chunk/pieces): a RegexTokenizer with the "
                   f"{info.family.tokenizer_model} word-split pattern gives Spark NLP's "
                   "classifier the words Hugging Face's tokenizer splits")
    if any(causes.get(c) for c in LENGTH_CAUSES):
        length = needed_length(summary_dir)
        if length > summary["sparknlp_settings"]["max_sentence_length"]:
            changes["max_sentence_length"] = length
            why.append(f"{sum(causes.get(c, 0) for c in LENGTH_CAUSES)} words past "
                       f"maxSentenceLength: setMaxSentenceLength({length}) covers the longest "
                       "row")
    return changes, why


def fix_command(args: Any, say: Callable[[str], None]) -> int:
    """Propose the settings, re-run the check with them, print before/after."""
    from jobs.hfparity_steps.model_import import imported_at
    from jobs.hfparity_steps.ner_check import run_check, verdict_lines
    from spark_pipelines.sparknlp.ner import NerSettings

    started = time.time()
    path = _summary_path(args.report)
    assert path is not None
    before = json.loads(path.read_text())
    info = inspect_checkpoint(before["checkpoint"], subject="summary.json checkpoint")
    imported = imported_at(info, Path(before["sparknlp_model"]).parent)
    if imported is None:
        raise BadInput(f"{path}: the imported model {before['sparknlp_model']} is gone; run "
                       "hfparity check again")
    changes, why = propose(before, path.parent, info)
    output = Path(args.output or path.parent.parent / "fix").resolve()
    if not changes:
        say("fix: no setting changes the causes found "
            f"({before['word_causes'] or 'none'}); nothing to re-run")
        for line in remaining_lines(before):
            say(line)
        return 0
    for line in why:
        say(f"proposal: {line}")
    settings = replace(NerSettings(**{k: tuple(v) if isinstance(v, list) else v
                                      for k, v in before["sparknlp_settings"].items()}),
                       **changes)
    fix = {"changes": changes, "why": why, "report_before": str(path.parent),
           "before": {"word_label_agreement": before["word_label_agreement"],
                      "entity_micro_f1": before["entity_scores_sparknlp_vs_hf"]["micro"]["f1"]}}
    after = run_check(info, imported, before["corpus"], output, settings,
                      before["hf_aggregation"], say=say, tolerance=before["tolerance"],
                      columns=(before["id_column"], before["text_column"]), extra={"fix": fix})
    (output / "proposal.json").write_text(json.dumps(
        {"changes": changes, "why": why, "settings": asdict(settings),
         "no_setting_removes": after.get("no_setting_removes", {})}, indent=2) + "\n")
    for name, summary in (("before", before), ("after", after)):
        for line in verdict_lines(summary):
            say(f"{name}: {line}")
    for line in remaining_lines(after):
        say(line)
    say(f"fix report: {output / 'index.html'}; proposal: {output / 'proposal.json'}")
    say(f"fix done in {time.time() - started:.1f} s")
    return 0


def remaining_lines(summary: dict[str, Any]) -> list[str]:
    """One line per cause no Spark NLP setting removes (summary.json's no_setting_removes: the
    family rules and NerConverter's grouping rule), with its count and why."""
    out = []
    for cause, facts in (summary.get("no_setting_removes") or {}).items():
        count = ", ".join(f"{facts[k]} {k}" for k in ("words", "entities") if facts.get(k))
        out.append(f"remaining: {cause} ({count}): {facts['why']}")
    return out
