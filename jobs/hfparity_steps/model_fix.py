"""`hfparity fix`: the fix job, then its proof on a fresh driver: the Spark NLP job loads the
saved proposal (--pipeline) and scores the corpus, the compare job judges that run, and the
verdict is written into the fix's report (summary.json how_to_fix.verification, index.html).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from jobs.hfparity_steps.model_check import CONF_FILE, REPO, StepResult, run_step
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
