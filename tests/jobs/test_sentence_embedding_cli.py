"""`hfparity` hands a sentence-transformers folder to the sentence-embedding task (modules.json
names a Pooling module), refuses what it cannot run with exit 2 and the file or column named,
and runs one real check end to end: Spark NLP 5.5.3's BertSentenceEmbeddings on set-up's pooled
export against sentence-transformers, on a corpus with a null, blank and NBSP-only text, read
through the house's corpus reader with non-default column names. One Spark NLP process (Spark
NLP keeps one model.onnx per SparkContext, and the session fixture holds another)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jobs.hfparity import main
from jobs.sentence_embedding import TOKENIZATION_CAUSE, unproven_reason

MODELS = Path(os.environ.get("HFPARITY_CACHE", "~/.cache/hfparity")).expanduser() / "models"
ROWS = [("r1", "A modest pleasure that accomplishes its goals with ease."),
        ("r2", ""), ("r3", "Café in Zürich, near Jean-Luc's shop"), ("r4", "   "),
        ("r5", "ok"), ("r6", None), ("r7", "\xa0\xa0")]


def _folder() -> Path:
    folder = MODELS / "minilm_mean" / "checkpoint"
    if not (folder / "modules.json").is_file():
        pytest.fail(f"{folder} missing: run `make assets`")
    return folder


def _corpus(path: Path, rows: list[tuple[str, str | None]], id_name: str = "key",
            text_name: str = "body") -> Path:
    pq.write_table(pa.table({id_name: [r[0] for r in rows],
                             text_name: pa.array([r[1] for r in rows], pa.string())}), path)
    return path


@pytest.fixture(scope="module")
def checked(tmp_path_factory) -> tuple[int, list[str], Path]:
    """`hfparity check` on set-up's pooled export (caseSensitive=false, maxSentenceLength=256,
    batchSize=2 so batches span the rows without text): exit code, stdout lines, output."""
    folder = _folder()
    tmp = tmp_path_factory.mktemp("sentence_check")
    out = tmp / "out"
    argv = ["check", "--checkpoint", str(folder), "--corpus", str(_corpus(tmp / "c.parquet",
            ROWS)), "--id-column", "key", "--text-column", "body", "--output", str(out),
            "--onnx", str(folder.parent / "onnx_sentence"), "--param", "caseSensitive=false",
            "--param", "maxSentenceLength=256", "--param", "batchSize=2"]
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(argv)
    return code, stdout.getvalue().splitlines(), out


def test_every_row_has_its_status_and_the_nbsp_row_a_proven_cause(checked):
    code, _, out = checked
    rows = {r["id"]: r for r in pq.read_table(out / "rows" / "part-0.parquet").to_pylist()}
    assert [r["id"] for r in pq.read_table(out / "rows").to_pylist()] == [r[0] for r in ROWS]
    # each row its own vector, the blank ones included: Spark NLP and sentence-transformers
    # both embed a blank text as [CLS][SEP] (batches of 2 span the rows without text)
    for row_id in ("r1", "r2", "r3", "r4", "r5"):
        assert rows[row_id]["status"] == "agree", rows[row_id]
    # a null text is invalid_text on both sides, as for the classifier: not measured
    assert rows["r6"]["status"] == "unscored_both" and rows["r6"]["cosine"] is None
    assert (rows["r6"]["reference_status"], rows["r6"]["sparknlp_status"]) == (
        "invalid_text", "invalid_text")
    # U+00A0 is whitespace to HF's tokenizer ([CLS][SEP]) but a word to Spark NLP's
    # BasicTokenizer: the HF model re-run on Spark NLP's pieces reproduces its vector
    assert rows["r7"]["status"] == "differs"
    assert (rows["r7"]["cause"], rows["r7"]["reproduced"]) == (TOKENIZATION_CAUSE, True)
    assert code == 1  # 1 of 7 rows differs: over the gate's 0.5%


def test_check_prints_the_verdict_first_then_the_report(checked):
    _, lines, out = checked
    assert lines[0].startswith("[hfparity] verdict: hfparity compare: FAIL: 1 of 7 vectors "
                               "differ from sentence-transformers (14.29%) (1 differs), 1 "
                               "unscored_both"), lines[0]
    assert lines[0].endswith(f"; report {out}/index.html")
    assert lines[1].startswith(f"[hfparity] report: {out}/index.html")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["causes"] == {TOKENIZATION_CAUSE: 1} and summary["reproduced_share"] == 1.0
    assert unproven_reason(summary) is None  # what fix calls proven: only unfixable causes


def test_unproven_reason_names_what_is_left():
    summary = {"agree_rows": 5, "causes": {TOKENIZATION_CAUSE: 2, "not reproduced": 1}}
    assert unproven_reason(summary) == ("1 differing row is not reproduced by any "
                                        "re-computation")
    summary["causes"] = {"pooling cls@256": 3}
    assert unproven_reason(summary) == ("causes an annotator parameter may remove remain: "
                                        "pooling cls@256 3")
    assert unproven_reason({"agree_rows": 0, "causes": {}}) == "no row agrees"


def test_check_without_a_corpus_is_refused(tmp_path, capsys):
    code = main(["check", "--checkpoint", str(_folder()), "--output", str(tmp_path / "out")])
    assert code == 2
    assert "--corpus" in capsys.readouterr().err


@pytest.mark.parametrize(("rows", "id_name", "text_name", "message"), [
    ([("a", "x")], "id", "body", "no text column 'text' (columns: body, id); pass --text-column"),
    ([("a", "x"), ("a", "y")], "id", "text", "column 'id' has duplicate ids, first: 'a' x2"),
])
def test_a_corpus_the_classifier_refuses_is_refused_by_name(tmp_path, capsys, rows, id_name,
                                                              text_name, message):
    corpus = _corpus(tmp_path / "c.parquet", rows, id_name, text_name)
    code = main(["check", "--checkpoint", str(_folder()), "--corpus", str(corpus),
                 "--output", str(tmp_path / "out")])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()  # refused before anything ran


def test_a_dense_module_is_refused_by_name(tmp_path, capsys):
    folder = tmp_path / "st"
    shutil.copytree(_folder(), folder, ignore=shutil.ignore_patterns("model.safetensors"))
    modules = json.loads((folder / "modules.json").read_text())
    modules.append({"idx": 3, "name": "3", "path": "3_Dense",
                    "type": "sentence_transformers.models.Dense"})
    (folder / "modules.json").write_text(json.dumps(modules))
    code = main(["import", "--checkpoint", str(folder), "--output", str(tmp_path / "model")])
    assert code == 2
    err = capsys.readouterr().err
    assert "modules.json" in err and "Dense" in err
