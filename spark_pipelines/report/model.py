"""The report summary as a typed, immutable model: what summary.json, index.html and the verdict
line are all made from, so none of them reads a dict key by hand.

compare.summary builds it from the report rows with Spark aggregates; `to_json` is the
summary.json text and `from_json` reads it back (field names are the JSON keys, so the file's
layout is the dataclasses below). The gate's rule lives in `Gate.decide` and the "does this
|Δprobability| differ" rule in schema.delta_exceeds, one each. Floats are kept as Spark gave
them; JSON has no NaN or infinity, so `to_json` writes those as null (the gate's `passed` and
`reason`, decided before, keep what a NaN decided).
"""

from __future__ import annotations

import json
import math
import types
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, Union, get_args, get_origin, get_type_hints

from parity_core.audit import AuditFinding
from parity_core.config import CompareConfig
from parity_core.files import REPORT_FILE
from spark_pipelines.report.fix_model import HowToFix
from spark_pipelines.report.schema import (
    DISAGREEING_STATUSES,
    INPUT_IDENTICAL_NOT_SCORED,
    LABEL_DIFFERS,
    SCORES_DIFFER,
    STATUSES,
)
from spark_pipelines.report.scoring_model import Scoring

NONE_LABEL = "(none)"
NULL_VALUE = "(null)"
# |Δprobability| histogram: exact zero, then decades up to 0.1, then two wide bins. Fixed so
# reports of different runs can be read side by side; the tolerance (1e-3) is an edge.
DELTA_BIN_EDGES = (0.0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 0.5)
SLICE_COLUMNS = ("length_bucket", "has_upper", "has_non_ascii", "has_inner_punct",
                 "truncated_either")
TOKEN_LEVELS = ("words", "pieces")
# A deployment cause's rows with these statuses make the deployment fail the gate.
DECISIVE_STATUSES = (LABEL_DIFFERS, SCORES_DIFFER)
DEFINITIONS = {
    "corpus_rows": "report rows except not_in_corpus",
    "label_agreement": "corpus rows where both labels are equal / corpus rows where "
                       "both sides have a label",
    "label_disagreement_rate": "corpus rows with status in "
                               f"{list(DISAGREEING_STATUSES)} / corpus rows",
    "probability_disagreement_rate": "corpus rows with status in "
                                     f"{list(DECISIVE_STATUSES)} (the label changes, or some "
                                     "|Δprobability| exceeds compare.probability_tolerance) / "
                                     "corpus rows",
    "label_changes": "corpus rows both sides label, with another label on each side",
    "abs_delta": "max_abs_delta (largest |Δprobability| over classes) of corpus rows "
                 "where both sides have probabilities",
    "causes": "rows whose status is not same nor input_identical_not_scored (not_in_corpus "
              "included); (none): no cause",
    "differing_tokens": "non-equal aligned positions, left tokens -> right tokens; "
                        "count = positions, rows = distinct rows",
    "deployment_decisive": "rows of a deployment cause whose status is in "
                           f"{list(DECISIVE_STATUSES)} (the label changes, or some "
                           "|Δprobability| exceeds compare.probability_tolerance); any such "
                           "row fails the gate",
    "scoring": "input-first only: rows per scoring reason; bound = Clopper-Pearson upper limit "
               "at `confidence` on the share of identical-input rows whose output differs, "
               "given sample_differing of sample_size (docs/input-first.md); the gate fails "
               "when sample_differing > 0; rows with status input_identical_not_scored count "
               "in corpus_rows, never in label_agreement",
}

Json = Any  # verbatim provenance (fingerprints, settings): frozen, written back as it came


def bin_label(index: int) -> str:
    """Bin 0 is exactly zero; bin i > 0 is (edge[i-1], edge[i]]; the last is above the top edge."""
    if index == 0:
        return "0"
    if index == len(DELTA_BIN_EDGES):
        return f"> {DELTA_BIN_EDGES[-1]:g}"
    return f"({DELTA_BIN_EDGES[index - 1]:g}, {DELTA_BIN_EDGES[index]:g}]"


_BIN_FLOORS = {bin_label(i): DELTA_BIN_EDGES[i - 1] for i in range(1, len(DELTA_BIN_EDGES) + 1)}


@dataclass(frozen=True)
class AlignedOp:
    """One aligned position (schema.ALIGNED_TYPE)."""

    op: str | None
    left_index: int | None
    right_index: int | None
    left_tokens: tuple[str, ...] | None
    right_tokens: tuple[str, ...] | None
    begin: int | None
    end: int | None


@dataclass(frozen=True)
class Divergence:
    """Where two token sequences first part (schema.DIVERGENCE_TYPE)."""

    level: str | None
    op: str | None
    left_index: int | None
    right_index: int | None
    begin: int | None
    end: int | None
    left_window: tuple[str, ...] | None
    right_window: tuple[str, ...] | None


@dataclass(frozen=True)
class AlignmentWindow:
    """Aligned positions around the first non-equal one; start/first index the full alignment."""

    size: int | None
    start: int | None
    first: int | None
    entries: tuple[AlignedOp, ...] | None


@dataclass(frozen=True)
class Example:
    """A worked example: one report row, its text cut and its alignments windowed."""

    id: str | None
    status: str | None
    text: str | None
    text_cut: bool | None
    text_length: int | None
    left_label: str | None
    right_label: str | None
    left_probabilities: tuple[float | None, ...] | None
    right_probabilities: tuple[float | None, ...] | None
    max_abs_delta: float | None
    left_truncated: bool | None
    right_truncated: bool | None
    left_status: str | None
    right_status: str | None
    left_error: str | None
    right_error: str | None
    first_divergence: Divergence | None
    cause: str | None
    sub_cause: str | None
    cause_word: str | None
    cause_evidence: str | None
    cf_verdict: str | None
    cf_max_abs_delta: float | None
    cf_consistent: bool | None
    word_window: AlignmentWindow | None
    piece_window: AlignmentWindow | None


@dataclass(frozen=True)
class DeltaBin:
    """One |Δprobability| histogram bar."""

    bin: str
    rows: int

    def above(self, tolerance: float | None) -> bool:
        """Every row in this bin exceeds `tolerance` (its open lower edge is at or above it)."""
        floor = _BIN_FLOORS.get(self.bin)
        return tolerance is not None and floor is not None and floor >= tolerance


@dataclass(frozen=True)
class AbsDelta:
    """max_abs_delta over corpus rows where both sides have probabilities."""

    rows: int
    p50: float | None
    p90: float | None
    p99: float | None
    max: float | None
    histogram: tuple[DeltaBin, ...]


@dataclass(frozen=True)
class Agreement:
    """Label agreement over corpus rows where both sides have a label."""

    rate: float | None
    agree: int
    denominator: int
    denominator_is: str = "corpus rows where both sides have a label"


@dataclass(frozen=True)
class Confusion:
    """Left label x right label counts over corpus rows; a missing label is NONE_LABEL."""

    labels: tuple[str, ...]
    matrix: tuple[tuple[int, ...], ...]
    rows_are: str = "left label"
    columns_are: str = "right label"


@dataclass(frozen=True)
class SliceValue:
    """Rows, label agreement and `same` for one value of a slice column."""

    value: str
    rows: int
    labelled: int
    agree: int
    same: int
    agreement_rate: float | None


@dataclass(frozen=True)
class TokenEntry:
    """A differing aligned position and how often it occurs."""

    op: str | None
    left: tuple[str, ...]
    right: tuple[str, ...]
    count: int
    rows: int


@dataclass(frozen=True)
class TriggerWord:
    """A word that triggers a cause, and in how many rows."""

    word: str
    rows: int


@dataclass(frozen=True)
class Cause:
    """Rows of one cause, its sub-causes, trigger words, counterfactual checks and examples."""

    cause: str
    rows: int
    sub_causes: Mapping[str, int]
    cf_consistent_true: int
    cf_consistent_false: int
    trigger_words: tuple[TriggerWord, ...]
    examples: tuple[Example, ...]

    def __post_init__(self) -> None:
        """Most rows first, then by name: the same order however the summary was made."""
        ranked = dict(sorted(self.sub_causes.items(), key=lambda kv: (-kv[1], kv[0])))
        object.__setattr__(self, "sub_causes", types.MappingProxyType(ranked))

    @property
    def cf_checked(self) -> int:
        return self.cf_consistent_true + self.cf_consistent_false


@dataclass(frozen=True)
class LeadingCause:
    """The row cause (stage / sub-cause) behind the most label changes, then the most rows that
    differ: the page's first "why". `meaning` is the cause catalogue's (explain/causes.py)."""

    cause: str
    sub_cause: str | None
    meaning: str | None
    rows: int
    label_changes: int
    differing_rows: int  # rows whose status is not same, as in `causes`
    trigger_words: tuple[TriggerWord, ...]

    @property
    def name(self) -> str:
        return f"{self.cause}/{self.sub_cause}" if self.sub_cause else self.cause


@dataclass(frozen=True)
class Counterfactual:
    """Over rows that are not `same`: verdict counts and agreement with the cause."""

    verdicts: Mapping[str, int]
    not_run: int
    cf_consistent: Mapping[str, int]  # "true", "false", "null"
    agreement_with_cause: float | None
    agreement_denominator_is: str = ("rows whose verdict could be checked against the cause "
                                     "(cf_consistent not null)")
    # Label flips re-run difference by difference (explain/decisive.py), per decisive unit
    # (schema.DECISIVE_UNITS, every one listed, 0 included, once any flip was re-run; empty
    # before), and the label flips not re-run (no counterfactual, or a side without pieces).
    decisive_units: Mapping[str, int] = field(default_factory=lambda: types.MappingProxyType({}))
    flips_not_rerun: int = 0

    @property
    def checked(self) -> int:
        return self.cf_consistent.get("true", 0) + self.cf_consistent.get("false", 0)


@dataclass(frozen=True)
class Gate:
    """The CI verdict and the figures it was decided on."""

    passed: bool
    reason: str
    label_disagreement_rate: float
    label_disagreeing_rows: int
    max_label_disagreement_rate: float
    probability_disagreement_rate: float
    probability_disagreeing_rows: int
    max_probability_disagreement_rate: float
    max_abs_delta: float | None

    @classmethod
    def decide(cls, disagreeing: int, differing: int, corpus_rows: int, worst: float | None,
               limits: CompareConfig, deployment: DeploymentReport | None = None,
               scoring: Scoring | None = None) -> Gate:
        """Pass within both shares of the corpus rows: label disagreement (DISAGREEING_STATUSES:
        the label changes or is missing on one side) and probability disagreement
        (DECISIVE_STATUSES: the label changes or some |Δprobability| exceeds the tolerance).
        A NaN |Δprobability| fails (schema.delta_exceeds: a side computed no number), and so
        does a deployment cause with a decisive row: a deployment setting that changes one
        label, or moves one probability past the tolerance, is a defect however few rows it
        touches, and the reason names the setting; and, input-first, so does a sample with an
        identical-input row whose output differs (else the unscored rows are unbounded)."""
        rate = disagreeing / corpus_rows if corpus_rows else 0.0
        moved = differing / corpus_rows if corpus_rows else 0.0
        failures = [cause.failure(limits.probability_tolerance)
                    for cause in (deployment.causes if deployment is not None else ())
                    if cause.decisive]
        label = f"label disagreement {format_percent(rate)}"
        probability = f"probability disagreement {format_percent(moved)}"
        label_limit = format_percent(limits.max_label_disagreement_rate)
        probability_limit = format_percent(limits.max_probability_disagreement_rate)
        if rate > limits.max_label_disagreement_rate:
            failures.append(f"{label} > {label_limit} allowed")
        if moved > limits.max_probability_disagreement_rate:
            failures.append(f"{probability} > {probability_limit} allowed")
        if scoring is not None and scoring.failure():
            failures.append(scoring.failure())
        if worst is not None and math.isnan(worst):
            failures.append("a |Δprobability| is NaN: a side computed no number")
        reason = "; ".join(failures) or (f"{label} ≤ {label_limit}; "
                                         f"{probability} ≤ {probability_limit}")
        return cls(not failures, reason, rate, disagreeing, limits.max_label_disagreement_rate,
                   moved, differing, limits.max_probability_disagreement_rate, worst)


@dataclass(frozen=True)
class Fingerprints:
    """Both runs' fingerprints, verbatim: provenance the summary copies, never interprets."""

    left: Json
    right: Json


@dataclass(frozen=True)
class DeploymentCause:
    """Rows one deployment setting explains (explain/deployment_causes.py), with the audit's
    evidence."""

    cause: str
    rows: int
    evidence: str | None
    setting: str | None  # the audit line of the setting behind the cause (None: not audited)
    label_changed: int  # of `rows`, rows whose status is label_differs
    decisive: int  # of `rows`, rows whose status is in DECISIVE_STATUSES

    def failure(self, tolerance: float) -> str:
        """The gate's reason for this cause: the setting, its decisive rows and what they do."""
        named = self.setting or f"{self.cause} (not in the audit)"
        rows = f"{self.decisive:,} row{'' if self.decisive == 1 else 's'}"
        return (f"deployment cause {self.cause} on {rows} "
                f"({self.label_changed:,} another label, the rest |Δprobability| > "
                f"{tolerance:g}): {named}")


@dataclass(frozen=True)
class DeploymentReport:
    """The deployment audit a run carried (none: `audited` false) and the deployment causes, most
    rows first: what the report shows before anything else, since one setting can explain
    thousands of rows."""

    audited: bool
    source: str | None
    location: str | None
    stages: tuple[str, ...]
    notes: tuple[str, ...]
    findings: tuple[AuditFinding, ...]
    causes: tuple[DeploymentCause, ...]

    @property
    def top(self) -> DeploymentCause | None:
        return self.causes[0] if self.causes else None


@dataclass(frozen=True)
class LayerLocalisation:
    """Where numerics rows part, per layer (rows/ layer_localisation, aggregated): how many rows
    were localised, the per-layer median and max of their max |Δ|, and per layer the rows
    whose first layer past the tolerance it is (`(none)`: no layer was)."""

    rows: int
    errors: int
    tolerance: float
    layers: tuple[str, ...]
    median_abs_delta: tuple[float, ...]
    max_abs_delta: tuple[float, ...]
    first_past: Mapping[str, int]


@dataclass(frozen=True)
class Summary:
    """summary.json as a value: every figure the page and the verdict line show."""

    deployment: DeploymentReport
    rows: int
    corpus_rows: int
    status_counts: Mapping[str, int]
    label_agreement: Agreement
    confusion: Confusion
    abs_delta: AbsDelta
    slices: Mapping[str, tuple[SliceValue, ...]]
    differing_tokens: Mapping[str, tuple[TokenEntry, ...]]
    causes: tuple[Cause, ...]
    counterfactual: Counterfactual
    worst_examples: tuple[Example, ...]
    gate: Gate
    fingerprints: Fingerprints
    settings: Json
    thresholds: CompareConfig
    definitions: Mapping[str, str]
    layers: LayerLocalisation | None = None  # None: no numerics row was localised
    leading_cause: LeadingCause | None = None  # None: no row differs
    scoring: Scoring | None = None  # None: every row scored (`--scoring all`)
    # Written by `hfparity fix` only; absent from summary.json until then.
    how_to_fix: HowToFix | None = None

    def __post_init__(self) -> None:
        """Mappings in the page's order (summary.json sorts keys, so reading it back would
        otherwise reorder the status bars, the slices and the token tables)."""
        for name, order in (("status_counts", STATUSES), ("slices", SLICE_COLUMNS),
                            ("differing_tokens", TOKEN_LEVELS)):
            object.__setattr__(self, name, _ordered(getattr(self, name), order))

    @property
    def passed(self) -> bool:
        return self.gate.passed

    @property
    def reason(self) -> str:
        return self.gate.reason

    @property
    def measured_rows(self) -> int:
        """Corpus rows both runs were asked to score: all but input_identical_not_scored."""
        return self.corpus_rows - self.status_counts.get(INPUT_IDENTICAL_NOT_SCORED, 0)

    @property
    def label_changes(self) -> int:
        """Corpus rows both sides label, with another label on each side."""
        return self.label_agreement.denominator - self.label_agreement.agree

    def changes(self) -> str:
        """How many predictions change, plainly: what the verdict line and the page say first
        ("66 of 2,575 predictions change label (2.56%); ..."). Counted over the rows scored:
        a row that was not scored (input-first) is never counted as agreeing."""
        gate, labelled = self.gate, self.label_agreement.denominator
        unlabelled = gate.label_disagreeing_rows - self.label_changes
        worst = "n/a" if gate.max_abs_delta is None else f"{gate.max_abs_delta:.3g}"
        measured = self.measured_rows
        kind = "scored rows" if self.scoring is not None else "rows"
        text = (f"{self.label_changes:,} of {labelled:,} predictions change label "
                f"({_share(self.label_changes, labelled)})")
        if unlabelled:
            text += f", {unlabelled:,} more {_rows(unlabelled)} no label on one side"
        return (f"{text}; {gate.probability_disagreeing_rows:,} of {measured:,} {kind} "
                f"change label or move a probability by more than "
                f"{self.thresholds.probability_tolerance:g} "
                f"({_share(gate.probability_disagreeing_rows, measured)}), "
                f"max |Δp| {worst}")

    def line(self, out_dir: str) -> str:
        """`hfparity compare: PASS|FAIL: <changes> [why it fails]; report <out_dir>/index.html`
        (input-first: what was scored and the bound on the rest)."""
        parts = [f"hfparity compare: {'PASS' if self.passed else 'FAIL'}: {self.changes()}"]
        if self.scoring is not None:
            parts.append(f"; {self.scoring.mode}: {self.scoring.statement}")
        if not self.passed:
            parts.append(f" [{self.reason}]")
        parts.append(f"; report {out_dir.rstrip('/')}/{REPORT_FILE}")
        return "".join(parts)

    def to_plain(self) -> dict[str, Any]:
        """Plain JSON types (NaN and infinities as None)."""
        return plain(self)

    def to_json(self) -> str:
        """The summary.json text: top-level keys in field order (the deployment audit first, after
        how_to_fix when `hfparity fix` wrote one), nested keys sorted."""
        plain_summary = self.to_plain()
        fix = plain_summary.pop("how_to_fix")
        top = {key: _sort_keys(value) for key, value in plain_summary.items()}
        if fix is not None:  # what to do comes before what was found
            top = {"how_to_fix": _sort_keys(fix), **top}
        return json.dumps(top, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Summary:
        """A summary.json read back; refuses unknown or missing keys and wrong types."""
        return decode(cls, json.loads(text))


def format_percent(rate: float | None) -> str:
    """Two decimals; never rounds a partial agreement up to 100% or a non-zero rate down to 0%."""
    if rate is None:
        return "n/a"
    shown = f"{rate * 100:.2f}"
    if rate < 1 and shown == "100.00":
        return ">99.99%"
    if rate > 0 and shown == "0.00":
        return "<0.01%"
    return shown + "%"


def _share(part: int, whole: int) -> str:
    return format_percent(part / whole if whole else None)


def _rows(count: int) -> str:
    return "row has" if count == 1 else "rows have"


def _sort_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sort_keys(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sort_keys(v) for v in value]
    return value


def _ordered(mapping: Mapping[str, Any], order: tuple[str, ...]) -> Mapping[str, Any]:
    """`mapping` read-only, the keys of `order` first in that order, any others sorted after."""
    rank = {key: i for i, key in enumerate(order)}
    keys = sorted(mapping, key=lambda k: (rank.get(k, len(rank)), k))
    return types.MappingProxyType({k: mapping[k] for k in keys})


def plain(value: Any) -> Any:
    """A model value as JSON types: dataclasses and mappings as dicts, tuples as lists."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def decode(kind: Any, value: Any, where: str = "summary") -> Any:
    """`value` (JSON types, or a Spark Row's asDict) as `kind`, a type of this module.

    Scalars are checked, never converted (a threshold written as 0 stays 0), so a summary read
    back writes the same bytes.
    """
    origin = get_origin(kind)
    if kind is Any:
        return freeze(value)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in get_args(kind):
            return None
        (inner,) = [a for a in get_args(kind) if a is not type(None)]
        return decode(inner, value, where)
    if is_dataclass(kind):
        if not isinstance(value, Mapping):
            raise ValueError(f"{where}: expected an object, got {value!r:.80}")
        hints, names = get_type_hints(kind), [f.name for f in fields(kind)]
        unknown = sorted(set(value) - set(names))
        if unknown:
            raise ValueError(f"{where}: unknown keys {unknown}")
        try:
            return kind(**{n: decode(hints[n], value[n], f"{where}.{n}")
                           for n in names if n in value})
        except TypeError as missing:
            raise ValueError(f"{where}: {missing}") from None
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"{where}: expected a list, got {value!r:.80}")
        return tuple(decode(get_args(kind)[0], v, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is Mapping:
        if not isinstance(value, Mapping):
            raise ValueError(f"{where}: expected an object, got {value!r:.80}")
        item = get_args(kind)[1]
        return types.MappingProxyType({str(k): decode(item, v, f"{where}.{k}")
                                       for k, v in value.items()})
    wanted = (int, float) if kind is float else kind
    if not isinstance(value, wanted) or (kind is not bool and isinstance(value, bool)):
        raise ValueError(f"{where}: expected {kind.__name__}, got {value!r:.80}")
    return value


def freeze(value: Any) -> Any:
    """Verbatim JSON made immutable: objects as read-only mappings, lists as tuples."""
    if isinstance(value, Mapping):
        return types.MappingProxyType({str(k): freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value
