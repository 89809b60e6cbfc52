"""The deployment section's opening lines (templates/deployment.html prints them first on the
page): one per model-family rule Spark NLP 5.5.3 cannot reproduce, with the rows it touches.

Plain text, made here because it combines the right run's fingerprint (the family), the
deployment causes and the counterfactual; the template escapes it like any other text.
"""

from __future__ import annotations

from parity_core.families import FAMILY_CAUSES
from spark_pipelines.report.formats import format_percent, format_rows
from spark_pipelines.report.model import Counterfactual, Summary


def family_lines(summary: Summary) -> list[str]:
    """The report's first lines when Spark NLP 5.5.3 cannot reproduce the model family's input:
    each rule with the share of corpus rows it touches and the counterfactual's rate."""
    right = summary.fingerprints.right
    family = (right.get("sparknlp") or {}).get("family") if hasattr(right, "get") else None
    cf = summary.counterfactual
    lines = []
    for cause in summary.deployment.causes:
        if cause.cause not in FAMILY_CAUSES:
            continue
        share = format_percent(cause.rows / summary.corpus_rows if summary.corpus_rows else None)
        lines.append(f"Spark NLP 5.5.3 does not reproduce this {family} model's input: "
                     f"{cause.evidence} ({cause.cause}: {format_rows(cause.rows)}, {share} of "
                     f"the corpus; {_cf_text(cf)})")
    return lines


def _cf_text(cf: Counterfactual) -> str:
    """The counterfactual's reproduction figures as the summary holds them."""
    reproduced = cf.verdicts.get("reproduced", 0)
    rerun = sum(cf.verdicts.values())
    if not rerun:
        return "counterfactual not run"
    return (f"Hugging Face re-run on Spark NLP's exact input reproduces {reproduced:,} of "
            f"{rerun:,} re-run rows")
