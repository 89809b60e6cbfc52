"""`hfparity explain` on the default checkpoint, checked against the two jobs' own records.

The text is the default corpus' contraction row, which the session's slice fixtures already
scored with the Hugging Face job and the Spark NLP job: what explain prints for each side must
be what those producers wrote (pieces, ids, mask, label, probabilities), and the cause the
join's. Runs in this process on the session's Spark (explain uses an active session as it is).
"""

from __future__ import annotations

import json

import pyarrow.dataset as ds
import pytest

from jobs.cli import EXIT_BAD_INPUT, EXIT_OK

ROW_ID = "edge-contractions"


def record(folder, row_id: str = ROW_ID) -> dict:
    [found] = ds.dataset(str(folder), format="parquet").to_table(
        filter=ds.field("id") == row_id).to_pylist()
    return found


def model_input(rec: dict) -> list[tuple]:
    return [(p["piece"], p["id"], m) for p, m in zip(rec["pieces"], rec["attention_mask"])]


def test_explain_shows_both_producers_records_and_the_cause(
        spark, settings, default_slice_path, default_slice_hf, default_slice_sparknlp, capsys):
    from jobs.hfparity import main
    from spark_pipelines.compare.pair_view import render

    text = record(default_slice_path)["text"]
    code = main(["explain", "--checkpoint", settings.checkpoint, "--json", text])
    captured = capsys.readouterr()
    assert code == EXIT_OK, captured.err[-2000:]
    shown = json.loads(captured.out)  # stdout holds the JSON document only
    hf, sparknlp = record(default_slice_hf), record(default_slice_sparknlp)
    # Hugging Face passes every part of "don't"; Spark NLP keeps the first ("don") only.
    assert [p["piece"] for p in shown["hugging_face"]["pieces"]][1:5] == ["i", "don", "'", "t"]
    assert [p["piece"] for p in shown["spark_nlp"]["pieces"]][1:4] == ["i", "don", "think"]
    for side, job in (("hugging_face", hf), ("spark_nlp", sparknlp)):
        assert model_input(shown[side]) == model_input(job)
        assert shown[side]["label"] == job["label"]
        assert shown[side]["probabilities"] == pytest.approx(job["probabilities"], abs=2e-6)
    row = shown["row"]
    assert (row["cause"], row["sub_cause"], row["cause_word"]) == \
        ("pieces", "pieces_dropped", "don't")
    assert shown["cause_meaning"] == "one side's pieces cover characters the other side's do not"
    assert row["cf_verdict"] == "reproduced"  # the reference on Spark NLP's input gives its output
    assert row["cf_probabilities"] == pytest.approx(sparknlp["probabilities"], abs=1e-4)
    printed = render(shown["text"], shown["hugging_face"], shown["spark_nlp"], row,
                     shown["labels"]).splitlines()
    for name, job in (("Hugging Face", hf), ("Spark NLP", sparknlp)):
        [line] = [line for line in printed if line.startswith(name + " ")]
        figures = [float(x) for x in line.split()[-3::2]]
        assert line.split()[len(name.split())] == job["label"]
        assert figures == pytest.approx(job["probabilities"], abs=2e-6)
    assert any(line.startswith('cause           pieces/pieces_dropped at "don\'t"')
               for line in printed)


@pytest.mark.parametrize(("args", "message"), [
    (["--checkpoint", "{tmp}/none", "a text"], "error: --checkpoint {tmp}/none: no such folder"),
    (["a text"], "error: explain: give --checkpoint DIR and a text, or --report DIR --row ID"),
    (["--report", "{tmp}", "--row", "r1"], "error: --report {tmp}: no summary.json; give the "
                                           "folder the compare job or `hfparity check` wrote"),
])
def test_explain_refuses_bad_input_in_one_line(args, message, tmp_path, capsys):
    from jobs.hfparity import main

    code = main(["explain", *(a.format(tmp=tmp_path) for a in args)])
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert err.startswith(message.format(tmp=tmp_path))
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
