"""The one publishing rule (spark_pipelines/io/publish.py): refuse an occupied output unless
asked, write beside, rename into place, leave nothing half-written. The Hadoop side runs on the
real local Spark session; the local twins need none.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from parity_core.errors import BadInput
from parity_core.files import COMPLETE_MARKER
from spark_pipelines.io.publish import (
    Output,
    check_free_local,
    clear_local,
    is_complete_local,
    local_occupied,
    publish_local,
    write_file_atomically,
)


def _fill(text: str):
    def write(folder: Path) -> str:
        folder.mkdir()
        (folder / "data.txt").write_text(text)
        (folder / COMPLETE_MARKER).write_text("done\n")
        return text
    return write


def _siblings(target: Path) -> list[str]:
    return sorted(p.name for p in target.parent.iterdir())


def test_refusals_name_the_output_and_how_to_replace_it(tmp_path):
    out = tmp_path / "out"
    check_free_local(Output(str(out), f"--output {out}"))  # absent: free
    out.mkdir()
    check_free_local(Output(str(out), f"--output {out}"))  # empty folder: free
    (out / "x").write_text("1")
    assert local_occupied(out)
    with pytest.raises(BadInput) as refused:
        check_free_local(Output(str(out), f"--output {out}"))
    assert str(refused.value) == f"--output {out}: already exists; pass --overwrite to replace it"
    check_free_local(Output(str(out), f"--output {out}", overwrite=True))
    with pytest.raises(BadInput, match="exists and is not a folder"):
        check_free_local(Output(str(out / "x"), f"--output {out / 'x'}", overwrite=True))
    check_free_local(Output("hdfs:///somewhere/out", "--output hdfs:///somewhere/out"))


def test_local_publish_replaces_whole_and_a_failed_write_keeps_the_old(tmp_path):
    target = tmp_path / "model"
    assert publish_local(target, _fill("one")) == "one"
    assert is_complete_local(target) and (target / "data.txt").read_text() == "one"
    publish_local(target, _fill("two"))
    assert (target / "data.txt").read_text() == "two" and _siblings(target) == ["model"]

    def broken(folder: Path) -> None:
        _fill("three")(folder)
        raise RuntimeError("the write failed")

    with pytest.raises(RuntimeError, match="the write failed"):
        publish_local(target, broken)
    assert (target / "data.txt").read_text() == "two" and _siblings(target) == ["model"]


def test_clear_local_refuses_then_empties_when_asked(tmp_path):
    out = tmp_path / "fix"
    out.mkdir()
    (out / "old.json").write_text("{}")
    with pytest.raises(BadInput, match="already exists; pass --overwrite"):
        clear_local(Output(str(out), f"--output {out}"))
    assert (out / "old.json").is_file()
    assert clear_local(Output(str(out), f"--output {out}", overwrite=True)) == out
    assert out.is_dir() and not any(out.iterdir())


def test_write_file_atomically_leaves_no_draft(tmp_path):
    page = write_file_atomically(tmp_path / "index.html", "<p>new</p>")
    assert page.read_text() == "<p>new</p>" and _siblings(page) == ["index.html"]


def test_hadoop_publish_refuses_replaces_and_cleans_up(spark, tmp_path):
    from spark_pipelines.io.publish import check_free, is_complete, publish, read_text, write_text

    target = tmp_path / "report"
    out = Output(str(target), f"--output {target}")

    def write(text: str):
        def fill(tmp: str) -> str:
            write_text(spark, f"{tmp}/data.txt", text)
            write_text(spark, f"{tmp}/{COMPLETE_MARKER}", "done\n")
            return text
        return fill

    assert not is_complete(spark, str(target))
    assert publish(spark, out, write("one")) == "one"
    assert is_complete(spark, str(target)) and read_text(spark, f"{target}/data.txt") == "one"
    with pytest.raises(BadInput, match=f"--output {target}: already exists; pass --overwrite"):
        check_free(spark, out)
    # An output that appears while the folder is written is refused, not replaced.
    with pytest.raises(BadInput, match="appeared while comparing; pass --overwrite"):
        publish(spark, out, write("two"), during="comparing")
    assert read_text(spark, f"{target}/data.txt") == "one"
    publish(spark, Output(str(target), f"--output {target}", overwrite=True), write("two"))
    assert read_text(spark, f"{target}/data.txt") == "two"

    def broken(tmp: str) -> None:
        write("three")(tmp)
        raise RuntimeError("the write failed")

    with pytest.raises(RuntimeError, match="the write failed"):
        publish(spark, Output(str(target), f"--output {target}", overwrite=True), broken)
    assert read_text(spark, f"{target}/data.txt") == "two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]  # no temp or old folder
