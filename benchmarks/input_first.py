"""Input-first benchmark: the verdict by scoring every row against input-first scoring (issue 32).

The corpus: N rows of mostly distinct texts made from the default corpus, seeded: its rows in
order first (so its edge cases, the empty and whitespace-only texts among them, are in), then
rows that each join 1-3 sentences drawn (random.Random(seed)) from the default corpus' texts,
split at sentence ends, in shuffled order.

Per deployment (`default`: the Spark NLP model of conf/default.yaml as it is; `fixed`: the
pipeline `hfparity fix` proposes, passed with --fixed-pipeline, scored with --pipeline) and per
way, every stage as its own spark-submit process with the flags `hfparity check` passes:

  all          jobs/hf_reference.py and jobs/sparknlp_pipeline.py on every row, jobs/compare.py
  input-first  jobs/input_pass.py, both producers on its corpus/, jobs/compare.py --selection

The Hugging Face run of every row does not depend on the deployment: it runs once and counts in
both deployments' `all` totals. The join runs with --counterfactual off in both ways (the
counterfactual re-runs the reference on disagreeing rows, the same work either way). Wall time
and peak memory (RSS of the stage's process tree: JVM + Python driver + the sum of concurrent
Python workers, sampled every 0.25 s, benchmarks/scale.py MemoryWatch) per stage; the ratio is
all / input-first on the same machine in the same session. Flips: the rows whose status is
label_differs in each report, compared as sets.

    .venv/bin/python benchmarks/input_first.py --rows 100000 --fixed-pipeline DIR \\
        --work /tmp/bench --table /tmp/bench/table.md
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.scale import REPO, check_submit_flags, run_stage, spark_submit

CONFIG = str(REPO / "conf" / "default.yaml")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def make_corpus(source: Path, rows: int, seed: int, out: Path) -> Path:
    """rows rows: the source corpus as it is, then seeded recombinations of its sentences."""
    import pandas as pd

    frame = pd.read_parquet(source, columns=["id", "text"])
    texts = [t for t in frame["text"].tolist() if isinstance(t, str)]
    sentences = [s for t in texts for s in SENTENCE_END.split(t) if s.strip()]
    rng = random.Random(seed)
    ids = frame["id"].tolist()[:rows]
    made = frame["text"].tolist()[:rows]
    for i in range(rows - len(made)):
        ids.append(f"mix-{i:07d}")
        made.append(" ".join(rng.sample(sentences, rng.randint(1, 3))))
    pd.DataFrame({"id": ids, "text": made}).to_parquet(out, index=False)
    return out


def _stage(name: str, script: str, args: list[str], flags: list[str], ok: tuple[int, ...] = (0,)
           ) -> dict[str, Any]:
    figures = run_stage(spark_submit(REPO / "jobs" / script, args, flags=flags), REPO, ok)
    memory = figures["memory"]
    peak = memory["jvm"] + memory["driver"] + memory["workers_sum"]
    print(f"  {name}: {figures['wall']:.1f} s, peak {peak} MiB", flush=True)
    return {"wall": figures["wall"], "peak_mib": peak, "stdout": figures["stdout"]}


def _common(pipeline: str | None) -> list[str]:
    return ["--config", CONFIG, "--overwrite", *(["--pipeline", pipeline] if pipeline else [])]


def _compare(flags: list[str], work: Path, corpus: str, hf: Path, snlp: Path, out: Path,
             *extra: str) -> dict[str, Any]:
    return _stage("join", "compare.py", [
        "--config", CONFIG, "--overwrite", "--left", str(hf), "--right", str(snlp),
        "--corpus", corpus, "--output", str(out), "--counterfactual", "off", *extra],
        flags, (0, 1))


def flips(report: Path) -> set[str]:
    import pandas as pd

    rows = pd.read_parquet(report / "rows", columns=["id", "status"])
    return set(rows.loc[rows["status"] == "label_differs", "id"])


def run_all(flags: list[str], work: Path, corpus: Path, tag: str, pipeline: str | None,
            hf: dict[str, Any] | None) -> dict[str, Any]:
    """Every row scored; the HF run is shared between deployments."""
    if hf is None:
        hf = _stage("HF every row", "hf_reference.py", [
            "--config", CONFIG, "--overwrite", "--input", str(corpus),
            "--output", str(work / "hf-all")], flags)
    snlp = _stage(f"Spark NLP every row ({tag})", "sparknlp_pipeline.py", [
        *_common(pipeline), "--input", str(corpus), "--output", str(work / f"snlp-all-{tag}")],
        flags)
    join = _compare(flags, work, str(corpus), work / "hf-all", work / f"snlp-all-{tag}",
                    work / f"report-all-{tag}")
    return {"hf": hf, "snlp": snlp, "join": join, "input": None,
            "flips": flips(work / f"report-all-{tag}")}


def run_input_first(flags: list[str], work: Path, corpus: Path, tag: str, pipeline: str | None
                    ) -> dict[str, Any]:
    selection = work / f"selection-{tag}"
    chosen = str(selection / "corpus")
    inputs = _stage(f"input pass ({tag})", "input_pass.py", [
        *_common(pipeline), "--input", str(corpus), "--output", str(selection)], flags)
    hf = _stage(f"HF chosen rows ({tag})", "hf_reference.py", [
        "--config", CONFIG, "--overwrite", "--input", chosen,
        "--output", str(work / f"hf-if-{tag}")], flags)
    snlp = _stage(f"Spark NLP chosen rows ({tag})", "sparknlp_pipeline.py", [
        *_common(pipeline), "--input", chosen, "--output", str(work / f"snlp-if-{tag}")], flags)
    join = _compare(flags, work, chosen, work / f"hf-if-{tag}", work / f"snlp-if-{tag}",
                    work / f"report-if-{tag}", "--selection", str(selection))
    summary = json.loads((work / f"report-if-{tag}" / "summary.json").read_text())
    return {"hf": hf, "snlp": snlp, "join": join, "input": inputs,
            "flips": flips(work / f"report-if-{tag}"), "scoring": summary["scoring"]}


def _total(run: dict[str, Any]) -> tuple[float, int]:
    stages = [run[k] for k in ("input", "hf", "snlp", "join") if run[k] is not None]
    return sum(s["wall"] for s in stages), max(s["peak_mib"] for s in stages)


def table(rows: int, results: dict[str, dict[str, dict[str, Any]]]) -> str:
    lines = [f"Input-first vs every row, {rows:,} rows, local[2] (2 cores, shared), "
             "join --counterfactual off",
             "",
             "| deployment | way | input pass s (MiB) | scoring s: HF + Spark NLP (MiB) | "
             "join s (MiB) | whole run s (peak MiB) | speed-up | rows scored | flips | "
             "flips equal |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for tag, ways in results.items():
        all_total, _ = _total(ways["all"])
        for way, run in ways.items():
            total, peak = _total(run)
            inp = run["input"]
            shown_input = "-" if inp is None else f"{inp['wall']:.0f} ({inp['peak_mib']})"
            scoring = (f"{run['hf']['wall']:.0f} + {run['snlp']['wall']:.0f} "
                       f"({max(run['hf']['peak_mib'], run['snlp']['peak_mib'])})")
            scored = rows if way == "all" else run["scoring"]["scored"]
            same = "" if way == "all" else \
                f"{run['flips'] == ways['all']['flips']} (all {len(ways['all']['flips']):,})"
            lines.append(f"| {tag} | {way} | {shown_input} | {scoring} | "
                         f"{run['join']['wall']:.0f} ({run['join']['peak_mib']}) | "
                         f"{total:.0f} ({peak}) | {all_total / total:.2f}x | {scored:,} | "
                         f"{len(run['flips']):,} | {same} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=32)
    parser.add_argument("--work", required=True, type=Path)
    parser.add_argument("--table", required=True, type=Path)
    parser.add_argument("--fixed-pipeline", default=None,
                        help="the saved PipelineModel `hfparity fix` proposed (fix/pipeline)")
    parser.add_argument("--ways", default="all,input-first",
                        help="all,input-first (1,000,000 rows: input-first only)")
    args = parser.parse_args(argv)
    from parity_core.config import cache_dir

    args.work.mkdir(parents=True, exist_ok=True)
    corpus = make_corpus(cache_dir() / "default" / "corpus" / "default.parquet", args.rows,
                         args.seed, args.work / f"corpus-{args.rows}.parquet")
    flags = check_submit_flags(REPO)
    deployments = {"default": None, **({"fixed": args.fixed_pipeline}
                                       if args.fixed_pipeline else {})}
    ways = args.ways.split(",")
    results: dict[str, dict[str, dict[str, Any]]] = {}
    hf_all = None
    for tag, pipeline in deployments.items():
        print(f"{tag}:", flush=True)
        results[tag] = {}
        if "all" in ways:
            results[tag]["all"] = run_all(flags, args.work, corpus, tag, pipeline, hf_all)
            hf_all = results[tag]["all"]["hf"]
        if "input-first" in ways:
            results[tag]["input-first"] = run_input_first(flags, args.work, corpus, tag,
                                                          pipeline)
    if "all" in ways:
        text = table(args.rows, results)
    else:
        text = json.dumps({t: {w: {k: (v if k != "flips" else len(v)) for k, v in r.items()
                                   if k != "stdout"} for w, r in ways_.items()}
                           for t, ways_ in results.items()}, default=str, indent=1)
    args.table.write_text(text, encoding="utf-8")
    print(text, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
