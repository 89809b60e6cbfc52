"""The cause catalogue (spark_pipelines/explain/causes.py) against the code that writes causes.

The Java engine's cause constants (Attribute.java) must be exactly the catalogue's row causes, a
cause rule must not write a cause name as a bare literal, and the deployment causes, family
rules and the fix's remaining reasons must be exactly the names their own modules use.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from parity_core.families import FAMILY_CAUSES
from spark_pipelines.compare.summary import CAUSE_ORDER
from spark_pipelines.explain import causes, verdict
from spark_pipelines.explain.deployment_causes import CAUSES as DEPLOYMENT_CAUSES
from spark_pipelines.fix.remaining import REASONS

ROOT = Path(__file__).resolve().parents[3]
JAVA = ROOT / "spark_pipelines/explain/java/hfparity/explain"
CONSTANT = re.compile(r'^\s*public static final String (\w+) = "([^"]*)";', re.M)
SNAKE_LITERAL = re.compile(r'"([a-z][a-z0-9_]*)"')
# Words a cause rule writes into evidence text, never as a cause or sub-cause.
EVIDENCE_WORDS = frozenset({"left", "right", "ok", "word", "piece", "truncated", "whole"})
VERDICTS = {"REPRODUCED": verdict.REPRODUCED, "NOT_REPRODUCED": verdict.NOT_REPRODUCED}


def java_constants(source: str) -> dict[str, str]:
    """Attribute.java's public String constants, name -> value."""
    return dict(CONSTANT.findall(source))


def cause_constants(source: str) -> dict[str, str]:
    """The cause and sub-cause constants: all public String constants but the verdicts."""
    return {k: v for k, v in java_constants(source).items() if k not in VERDICTS}


def mismatch(source: str) -> tuple[set[str], set[str]]:
    """(in the Java only, in the catalogue only)."""
    java = set(cause_constants(source).values())
    return java - causes.engine_names(), causes.engine_names() - java


def rule_files() -> list[Path]:
    """The Java files that hold a cause rule: the dispatcher and every class the catalogue
    names, plus the piece helpers they share."""
    named = {ROOT / e.rule_file for e in causes.entries(causes.ROW)}
    return sorted(named | {JAVA / "Attribute.java", JAVA / "Piece.java"})


@pytest.fixture(scope="module")
def attribute() -> str:
    return (JAVA / "Attribute.java").read_text(encoding="utf-8")


def test_java_cause_constants_are_the_catalogue_row_causes(attribute):
    only_java, only_catalogue = mismatch(attribute)
    assert not only_java, f"causes in Attribute.java missing from explain/causes.py: {only_java}"
    assert not only_catalogue, f"catalogue causes the Java does not define: {only_catalogue}"


def test_the_check_fails_on_a_cause_added_in_java_only(attribute):
    marker = "  public static final String OTHER = \"other\";\n"
    assert marker in attribute
    added = attribute.replace(marker, marker + "  public static final String NEW = \"new\";\n")
    assert mismatch(added) == ({"new"}, set())
    dropped = attribute.replace(marker, "")
    assert mismatch(dropped) == (set(), {"other"})


def test_java_and_python_constants_have_the_same_names(attribute):
    for name, value in cause_constants(attribute).items():
        assert getattr(causes, name) == value, name


def test_the_verdicts_beside_the_causes_are_verdict_py_s(attribute):
    constants = java_constants(attribute)
    for name, value in VERDICTS.items():
        assert constants[name] == value


def test_no_cause_rule_writes_a_cause_as_a_bare_literal():
    for path in rule_files():
        source = CONSTANT.sub("", path.read_text(encoding="utf-8"))
        literals = set(SNAKE_LITERAL.findall(source)) - EVIDENCE_WORDS
        assert not literals, f"{path.name}: {literals} (name it in Attribute.java and causes.py)"


def test_stage_and_sub_cause_tuples_match_the_entries():
    listed = {*causes.STAGES, *causes.SUB_CAUSES, causes.SEPARATOR, *causes.SEPARATOR_OUTCOMES}
    assert listed == causes.engine_names()
    assert {e.stage for e in causes.entries(causes.ROW)} == set(causes.STAGES)
    assert CAUSE_ORDER == causes.STAGES


def test_every_rule_file_exists():
    missing = [e.name for e in causes.CATALOGUE if not (ROOT / e.rule_file).is_file()]
    assert not missing


def test_no_two_entries_share_a_name():
    names = [e.name for e in causes.CATALOGUE]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    assert all(e.meaning and "\n" not in e.meaning for e in causes.CATALOGUE)


def test_deployment_family_and_remaining_names_are_their_modules_names():
    def named(*kinds: str) -> set[str]:
        return {e.name for kind in kinds for e in causes.entries(kind)}

    assert named(causes.FAMILY_RULE) == set(FAMILY_CAUSES)
    assert named(causes.DEPLOYMENT, causes.FAMILY_RULE) == set(DEPLOYMENT_CAUSES)
    assert named(causes.REMAINING, causes.FAMILY_RULE) == set(REASONS)


def test_a_phenomenon_groups_names_of_several_kinds():
    used = {e.phenomenon for e in causes.CATALOGUE} - {None}
    assert used == set(causes.PHENOMENA)
    for key in used:
        kinds = {e.kind for e in causes.CATALOGUE if e.phenomenon == key}
        assert len(kinds) >= 2, key
    assert set(causes.same_phenomenon("pieces/space_marker")) == {
        "space_marker_dropped", "marker_piece_dropped"}
