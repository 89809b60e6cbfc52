"""`hfparity check`: the three spark-submit jobs on one checkpoint, with a conf written for it.

The jobs run by spark-submit of jobs/hf_reference.py, jobs/sparknlp_pipeline.py and
jobs/compare.py, not by in-process library calls: each gets its own driver JVM (Spark NLP keeps
one model.onnx per SparkContext, and the import before them loaded one), its own private
java.io.tmpdir (Spark NLP 5.5.3 leaves model copies there), and its own exit code, and the
commands printed are the ones a user repeats with the conf written here. The jars (the cached
Spark NLP jars plus this checkout's hfparity-functions.jar) are passed explicitly, so a
spark-defaults.conf naming another build of the functions jar does not win, and on the driver's
class path with `spark.jars` emptied (jvm/jars.py local_jar_conf: on local[2] `--jars` copied
~296 MB of jars into every run's executor folder). On another master (`--master`) the jars go
by `--jars` and the code by `--py-files` (the zip spark_pipelines.jvm.package builds), as
docs/cluster.md's commands do; `--conf KEY=VALUE` pairs are passed after ours, so they win.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from parity_core.config import CorpusConfig, ProjectConfig
from parity_core.files import REPORT_FILE
from spark_pipelines.io.publish import is_complete_local
from spark_pipelines.jvm.tmpdir import private_tmpdir, submit_args

REPO = Path(__file__).resolve().parents[2]
CONF_FILE = "hfparity.yaml"
MASTER = "local[2]"


@dataclass(frozen=True)
class Submit:
    """Where the jobs run: the master and the user's extra spark-submit --conf pairs."""

    master: str = MASTER
    confs: tuple[str, ...] = ()

    def flags(self) -> list[str]:
        """spark-submit flags: master, jars (and the code zip off a local master), Python, then
        the user's --conf pairs (later values win in spark-submit)."""
        from spark_pipelines.jvm.jars import is_local_master, session_jars, submit_jar_flags
        from spark_pipelines.jvm.package import build_zip

        flags = ["--master", self.master, *submit_jar_flags(self.master, session_jars())]
        if not is_local_master(self.master):
            flags += ["--py-files", str(build_zip(REPO / "dist" / "hfparity-py.zip"))]
        flags += ["--conf", f"spark.pyspark.python={sys.executable}"]
        for pair in self.confs:
            flags += ["--conf", pair]
        return flags


@dataclass(frozen=True)
class StepResult:
    name: str
    code: int
    seconds: float
    last_line: str  # the step's last stdout line (compare: the verdict line)


def write_conf(path: Path, checkpoint: Path, sparknlp_model: Path, onnx: Path,
               max_length: int, corpus: CorpusConfig | None = None) -> Path:
    """A conf YAML for this checkpoint: the defaults plus its model paths, max length and the
    corpus' columns and encoding."""
    defaults = ProjectConfig()
    document = {
        "model": {"checkpoint": str(checkpoint), "sparknlp_model": str(sparknlp_model),
                  "onnx_export": str(onnx)},
        "tokenization": {**asdict(defaults.tokenization), "max_length": max_length},
        "inference": asdict(defaults.inference),
        "corpus": asdict(corpus or defaults.corpus),
        "compare": asdict(defaults.compare),
    }
    header = (f"# Written by `hfparity check` for {checkpoint}.\n"
              "# Repeat the run with the spark-submit commands it printed.\n")
    path.write_text(header + yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def spark_submit() -> str:
    return str(Path(sys.executable).parent / "spark-submit")


def _submit_flags() -> list[str]:
    """The flags of a local[2] run (the benchmarks time the same submit as check)."""
    return Submit().flags()


def _shown_flags(submit: Submit) -> str:
    """The flags as a user would type them: the jar list as the command that prints it."""
    from spark_pipelines.jvm.jars import is_local_master

    package = f"{shlex.quote(sys.executable)} -m spark_pipelines.jvm.package"
    jars = (f'--driver-class-path "$({package} --classpath)" --conf spark.jars='
            if is_local_master(submit.master) else
            f'--jars "$({package} --jars)" --py-files {REPO / "dist" / "hfparity-py.zip"}')
    extra = "".join(f" --conf {shlex.quote(pair)}" for pair in submit.confs)
    return f"--master {shlex.quote(submit.master)} {jars}{extra}"


def run_step(name: str, script: str, args: list[str], say: Callable[[str], None],
             submit: Submit = Submit()) -> StepResult:
    """spark-submit one job with a private driver temp folder; its stdout is passed through."""
    command = [spark_submit(), *submit.flags(), str(REPO / "jobs" / script), *args]
    say(f"{name}: {shlex.quote(spark_submit())} {_shown_flags(submit)} "
        f"{shlex.join([str(REPO / 'jobs' / script), *args])}")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)}
    started = time.time()
    last = ""
    with private_tmpdir() as scratch:
        command[1:1] = submit_args(scratch)
        with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) as process:
            assert process.stdout is not None
            for line in process.stdout:
                print(line, end="", flush=True)
                last = line.strip() or last
        code = process.returncode
    seconds = time.time() - started
    say(f"{name}: exit {code} after {seconds:.1f} s")
    return StepResult(name, code, seconds, last)


SCORING_MODES = ("all", "input-first")


def _producers(common: list[str], corpus: str, output: Path, deployed: list[str]
               ) -> list[tuple[str, str, list[str]]]:
    return [("Hugging Face job", "hf_reference.py",
             [*common, "--input", corpus, "--output", str(output / "hf")]),
            ("Spark NLP job", "sparknlp_pipeline.py",
             [*common, "--input", corpus, "--output", str(output / "sparknlp"), *deployed])]


def _compare(common: list[str], corpus: str, output: Path, *extra: str
             ) -> tuple[str, str, list[str]]:
    return ("compare", "compare.py",
            [*common, "--left", str(output / "hf"), "--right", str(output / "sparknlp"),
             "--corpus", corpus, "--output", str(output / "report"), *extra])


def _run_steps(steps: list[tuple[str, str, list[str]]], say: Callable[[str], None],
               submit: Submit) -> list[StepResult]:
    """Run the steps in order; stop at the first failure (compare's exit 1 is a verdict)."""
    results = []
    for name, script, args in steps:
        result = run_step(name, script, args, say, submit)
        results.append(result)
        if result.code != 0 and script != "compare.py":
            break
    return results


def run_jobs(conf: Path, corpus: str, output: Path, overwrite: bool,
             say: Callable[[str], None], submit: Submit = Submit(),
             pipeline: str | None = None, scoring: str = "all") -> tuple[StepResult, ...]:
    """The Hugging Face job, the Spark NLP job (on `pipeline`, the deployment as it is, when
    given), then the join; stops at the first failure.

    scoring input-first (docs/input-first.md): the input pass first, both jobs on the rows it
    chose, the join over every row; when the sample finds an identical-input row whose output
    differs, both jobs again on every row and the join again, widened (said on stdout).
    """
    common = ["--config", str(conf), *(["--overwrite"] if overwrite else [])]
    deployed = ["--pipeline", pipeline] if pipeline else []
    if scoring == "all":
        return tuple(_run_steps([*_producers(common, corpus, output, deployed),
                                 _compare(common, corpus, output)], say, submit))
    selection = output / "selection"
    chosen = str(selection / "corpus")
    results = _run_steps([
        ("input pass", "input_pass.py",
         [*common, "--input", corpus, "--output", str(selection), *deployed]),
        *_producers(common, chosen, output, deployed),
        _compare(common, chosen, output, "--selection", str(selection))], say, submit)
    widen = results[-1].name == "compare" and _sample_differs(output / "report")
    if not widen:
        return tuple(results)
    say(f"widening: {widen}; scoring every row")
    common = ["--config", str(conf), "--overwrite"]
    return tuple(results + _run_steps([
        *_producers(common, corpus, output, deployed),
        _compare(common, corpus, output, "--selection", str(selection), "--widened")],
        say, submit))


def _sample_differs(report: Path) -> str | None:
    """Why the run must widen (the report's sample found differing rows), else None."""
    summary = report / "summary.json"
    if not is_complete_local(report) or not summary.is_file():
        return None
    scoring = json.loads(summary.read_text(encoding="utf-8")).get("scoring") or {}
    differing = scoring.get("sample_differing") or 0
    if not differing:
        return None
    return (f"the sample found {differing:,} of {scoring.get('sample_size', 0):,} "
            "identical-input rows whose output differs")


def report_path(output: Path) -> Path | None:
    """The report's index.html when the join published a complete report."""
    report = output / "report"
    return report / REPORT_FILE if is_complete_local(report) else None
