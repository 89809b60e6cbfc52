"""The deployment audit as a typed value: what a deployed Spark NLP pipeline does differently from
what its checkpoint implies, setting by setting, both values side by side.

The Spark NLP job makes it (spark_pipelines/sparknlp/audit.py) and keeps it in its run
fingerprint under AUDIT_KEY; the join reads it back from there (no pyspark, no torch here) to
name the setting behind a cause and to put the audit first in summary.json and index.html.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

AUDIT_KEY = "deployment_audit"

# Setting names the join looks up (a finding's `setting`).
CASE_SENSITIVE = "caseSensitive"
MAX_SENTENCE_LENGTH = "maxSentenceLength"
LABELS = "labels"
VOCABULARY = "vocabulary"
TEXT_STAGE = "text_stage"
SENTENCES = "sentence_splitting"
TOKENIZER_PREFIX = "Tokenizer."


@dataclass(frozen=True)
class AuditFinding:
    """One setting where the deployment and the checkpoint disagree."""

    setting: str
    deployed: str
    checkpoint: str
    effect: str

    @property
    def line(self) -> str:
        """`setting: deployed X vs checkpoint Y (effect)` — the one text every view shows."""
        return f"{self.setting}: deployed {self.deployed} vs checkpoint {self.checkpoint} " \
               f"({self.effect})"

    @property
    def short(self) -> str:
        """`setting X vs Y`, e.g. `maxSentenceLength 128 vs max_length 512`: what a row's
        evidence starts with."""
        return f"{self.setting} {self.deployed} vs {self.checkpoint}"


@dataclass(frozen=True)
class DeploymentAudit:
    """How the deployment was found (`source`), its stages in order, and every finding."""

    source: str  # "pipeline" (a saved PipelineModel), "classifier" (a wrapped classifier folder)
    location: str
    stages: tuple[str, ...]
    notes: tuple[str, ...]
    findings: tuple[AuditFinding, ...]

    def finding(self, setting: str) -> AuditFinding | None:
        """The finding for `setting`, if the deployment differs there."""
        return next((f for f in self.findings if f.setting == setting), None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DeploymentAudit:
        return cls(source=str(data["source"]), location=str(data["location"]),
                   stages=tuple(data["stages"]), notes=tuple(data["notes"]),
                   findings=tuple(AuditFinding(**dict(f)) for f in data["findings"]))


def audit_of(fingerprint: Mapping[str, Any] | None) -> DeploymentAudit | None:
    """The audit a run fingerprint carries (None: the run was not of a deployment as it is)."""
    data = (fingerprint or {}).get(AUDIT_KEY)
    return DeploymentAudit.from_dict(data) if isinstance(data, Mapping) else None
