"""`hfparity fix`: the fix job, then its proof on a fresh driver: the Spark NLP job loads the
saved proposal (--pipeline) and scores the corpus, the compare job judges that run, and the
verdict is written into the fix's report (summary.json how_to_fix.verification, index.html).

Then, for a family whose Spark NLP rules no setting reaches (RoBERTa, XLM-R, DeBERTa-v2), the
model side: the export with an input rewrite in front (hf_reference/input_rewrite.py, checked
against torch), imported into Spark NLP in a process of its own, swapped into the proposal (else
the report's pipeline), re-run by the Spark NLP job and judged by the compare job with its
counterfactual; its before/after goes into the same report (how_to_fix.model_side).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from jobs.hfparity_steps.model_check import CONF_FILE, REPO, StepResult, run_step
from parity_core.settings import EffectiveSettings
from spark_pipelines.fix.inputs import FixInputs
from spark_pipelines.report.fix_model import FixVerification

VERIFY_DIR = "verify"


def default_config(report: Path) -> Path:
    """The conf `hfparity check` wrote beside the report, else the repository's default."""
    written = report.resolve().parent / CONF_FILE
    return written if written.is_file() else REPO / "conf" / "default.yaml"


def run_fix_steps(conf: Path, inputs: FixInputs, output: Path, overwrite: bool,
                  say: Callable[[str], None]) -> tuple[StepResult, ...]:
    """The fix job, the Spark NLP job on the saved proposal, the compare job on that run."""
    common = ["--config", str(conf)]
    fix = run_step("fix job", "fix.py", [
        *common, *(["--overwrite"] if overwrite else []), "--report", str(inputs.report_dir),
        "--left", str(inputs.left_dir), "--right", str(inputs.right_dir),
        "--corpus", inputs.corpus, "--output", str(output)], say)
    if fix.code != 0:
        return (fix,)
    from spark_pipelines.fix.run import PROPOSAL_DIR

    if not (output / PROPOSAL_DIR).is_dir():
        say("fix: no pipeline change proposed, nothing to verify")
        return (fix,)
    verify = output / VERIFY_DIR
    snlp = run_step("Spark NLP job on the saved proposal", "sparknlp_pipeline.py", [
        *common, "--overwrite", "--input", inputs.corpus, "--output", str(verify / "sparknlp"),
        "--pipeline", str(output / PROPOSAL_DIR)], say)
    if snlp.code != 0:
        return fix, snlp
    compare = run_step("compare", "compare.py", [
        *common, "--overwrite", "--left", str(inputs.left_dir), "--right",
        str(verify / "sparknlp"), "--corpus", inputs.corpus, "--output",
        str(verify / "report")], say)
    return fix, snlp, compare


def record_verification(output: Path, inputs: FixInputs, compare: StepResult) -> Path:
    """Write the compare verdict into fix.json, summary.json and index.html."""
    from spark_pipelines.fix.publish import publish_fix, read_fix, with_verification
    from spark_pipelines.fix.run import PROPOSAL_DIR

    verify = output / VERIFY_DIR
    check = FixVerification(str(output / PROPOSAL_DIR), str(verify / "sparknlp"),
                            str(verify / "report"), compare.code, compare.last_line)
    return publish_fix(inputs.report_dir, with_verification(read_fix(output), check), output)


def _python_step(name: str, module: str, args: list[str], say: Callable[[str], None]
                 ) -> StepResult:
    """`python -m module args` in a process of its own (its own SparkContext, if any)."""
    import os
    import subprocess
    import sys
    import time

    say(f"{name}: python -m {module} {' '.join(args)}")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)}
    started = time.time()
    done = subprocess.run([sys.executable, "-m", module, *args], env=env, check=False,
                          capture_output=True, text=True)
    for line in (done.stdout + done.stderr).splitlines():
        print(line, flush=True)
    lines = [x.strip() for x in done.stdout.splitlines() if x.strip()]  # stderr: warnings
    say(f"{name}: exit {done.returncode} after {time.time() - started:.1f} s")
    return StepResult(name, done.returncode, time.time() - started, lines[-1] if lines else "")


def run_model_side(conf: Path, settings: EffectiveSettings, inputs: FixInputs, output: Path,
                   say: Callable[[str], None]) -> tuple[StepResult, ...]:
    """Build, import, swap in and re-run the input rewrite, then record it in the fix's report;
    () when the checkpoint's family has no rule a rewrite removes."""
    from parity_core.config import load_config
    from parity_core.families.input_rewrite import REWRITE_FAMILIES
    from spark_pipelines.fix.model_side import MODEL_SIDE_DIR, rewrite_conf, starting_pipeline

    if settings.family not in REWRITE_FAMILIES:
        return ()
    export = load_config(conf).onnx_export_path()
    if not export:
        say(f"model side: {conf} names no model.onnx_export to rewrite; skipped")
        return ()
    side = output / MODEL_SIDE_DIR
    folders = {"onnx": side / "onnx", "sparknlp_model": side / "sparknlp_model",
               "pipeline": side / "pipeline", "records": side / "sparknlp",
               "report": side / "report"}
    say(f"model side: {settings.family} rules no pipeline setting reaches; building the input "
        "rewrite")
    built = _python_step("input rewrite", "hf_reference.input_rewrite", [
        "--checkpoint", settings.checkpoint, "--onnx", export, "--output",
        str(folders["onnx"])], say)
    if built.code != 0:
        return (built,)
    imported = _python_step("Spark NLP import of the rewrite", "spark_pipelines.sparknlp"
                            ".import_model", ["--onnx", str(folders["onnx"]), "--out",
                                              str(folders["sparknlp_model"])], say)
    if imported.code != 0:
        return built, imported
    from spark_pipelines.fix.model_side import swap_model

    start, _ = starting_pipeline(output, inputs)
    swap_model(start, folders["sparknlp_model"], folders["pipeline"])
    side_conf = rewrite_conf(conf, folders["onnx"], folders["sparknlp_model"], side / CONF_FILE)
    common = ["--config", str(side_conf)]
    snlp = run_step("Spark NLP job with the input rewrite", "sparknlp_pipeline.py", [
        *common, "--overwrite", "--input", inputs.corpus, "--output", str(folders["records"]),
        "--pipeline", str(folders["pipeline"])], say)
    if snlp.code != 0:
        return built, imported, snlp
    compare = run_step("compare with the input rewrite", "compare.py", [
        *common, "--overwrite", "--left", str(inputs.left_dir), "--right",
        str(folders["records"]), "--corpus", inputs.corpus, "--output",
        str(folders["report"])], say)
    return built, imported, snlp, compare


def record_model_side(output: Path, settings: EffectiveSettings, inputs: FixInputs,
                      steps: tuple[StepResult, ...]) -> Path:
    """Write the model side's before/after into fix.json, summary.json and index.html."""
    import dataclasses

    from parity_core.families.input_rewrite import InputRewrite
    from parity_core.fingerprint import read_model_manifest
    from spark_pipelines.fix.model_side import MODEL_SIDE_DIR, model_side_result, starting_pipeline
    from spark_pipelines.fix.publish import publish_fix, read_fix

    side = output / MODEL_SIDE_DIR
    built, compare = steps[0], steps[-1]
    manifest = read_model_manifest(side / "onnx")
    start, starts_from = starting_pipeline(output, inputs)
    before = output / VERIFY_DIR / "report" if start == output / "pipeline" \
        else inputs.report_dir
    folders = {"onnx": side / "onnx", "pipeline": side / "pipeline",
               "records": side / "sparknlp", "report": side / "report"}
    result = model_side_result(settings, InputRewrite.from_json(manifest["input_rewrite"]),
                               built.last_line, folders, starts_from, before, compare.code,
                               compare.last_line)
    fix = dataclasses.replace(read_fix(output), model_side=result)
    return publish_fix(inputs.report_dir, fix, output)
