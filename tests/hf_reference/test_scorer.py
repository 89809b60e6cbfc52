"""The Hugging Face side on the real default checkpoint: records, offsets, truncation, bad input."""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from parity_core.records import RECORD_COLUMNS, RECORD_SCHEMA
from tests.support.paths import REPO


def test_contract_modules_import_neither_torch_nor_pyspark():
    code = (
        "import sys, parity_core.config, parity_core.settings, parity_core.records, "
        "parity_core.fingerprint\n"
        "bad = [m for m in ('torch', 'transformers', 'pyspark') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_hf_reference_never_imports_pyspark():
    offenders = []
    for path in (REPO / "hf_reference").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "pyspark"]
    assert offenders == []


def test_settings_come_from_the_checkpoint(settings):
    assert settings.do_lower_case is True  # tokenizer_config.json
    assert settings.strip_accents is True  # null there: follows do_lower_case
    assert settings.labels == ("negative", "positive")
    assert settings.max_length == 128
    assert settings.model_max_length == 512
    assert settings.sparknlp_case_sensitive is False


@pytest.fixture(scope="module")
def scorer(settings):
    from hf_reference.scorer import ReferenceScorer

    return ReferenceScorer(settings, threads=2)


def test_records_match_the_schema_and_a_plain_transformers_call(scorer, settings):
    import pyarrow as pa
    import torch
    from transformers import AutoTokenizer, BertForSequenceClassification

    texts = ["A gripping, beautifully acted drama.", "Dull and far too long.", "Meh"]
    records = scorer.score(["a", "b", "c"], texts)
    table = pa.Table.from_pylist(records, schema=RECORD_SCHEMA)
    assert table.num_rows == 3 and tuple(table.column_names) == RECORD_COLUMNS
    tokenizer = AutoTokenizer.from_pretrained(settings.checkpoint)
    model = BertForSequenceClassification.from_pretrained(settings.checkpoint).eval()
    with torch.inference_mode():
        batch = tokenizer(texts, truncation=True, max_length=128, padding=True,
                          return_tensors="pt")
        expected = model(**batch).logits.numpy()
    got = np.array([r["logits"] for r in records])
    assert np.abs(got - expected).max() < 1e-4
    for record in records:
        assert record["status"] == "ok"
        assert abs(sum(record["probabilities"]) - 1) < 1e-9
        assert record["label"] == settings.labels[record["label_id"]]


@pytest.mark.parametrize(
    "text",
    ["Café déjà vu 😀 best 🎬", "这部电影非常好看 ok", "فيلم رائع", "👨\u200d👩\u200d👧 fun"],
)
def test_word_and_piece_offsets_index_the_python_string(scorer, text):
    (record,) = scorer.score(["x"], [text])
    assert record["words"], "non-empty text must have words"
    for word in record["words"]:
        assert text[word["begin"]:word["end"]] == word["text"]
    for piece in record["pieces"][1:-1]:
        assert 0 <= piece["begin"] < piece["end"] <= len(text)
    assert record["pieces"][0]["piece"] == "[CLS]" and record["pieces"][0]["begin"] is None


def test_truncation_keeps_cls_first_pieces_and_sep(scorer, settings):
    from hf_reference.scorer import ReferenceScorer

    short = ReferenceScorer(replace(settings, max_length=32), threads=1)
    text = "an overlong review " * 40
    (record,) = short.score(["long"], [text])
    assert len(record["pieces"]) == 32
    assert record["truncated"] is True and record["piece_count"] > 32
    assert record["pieces"][0]["piece"] == "[CLS]" and record["pieces"][-1]["piece"] == "[SEP]"
    (untouched,) = scorer.score(["long"], [text])
    assert untouched["pieces"][1:31] == record["pieces"][1:31]


def test_bad_input_yields_one_record_each(scorer):
    cases = {
        "null": None,
        "number": 42,
        "empty": "",
        "blank": "  \t ",
        "nbsp": "\u00a0\u00a0",
        "surrogate": "bad \udc80 byte",
        "control": "bell\x07 and\x00 nul",
        "huge": "word " * 2500,
    }
    records = scorer.score(list(cases), list(cases.values()))
    by_id = {r["id"]: r for r in records}
    assert list(by_id) == list(cases)
    assert by_id["null"]["status"] == "invalid_text" and "null" in by_id["null"]["error"]
    assert by_id["number"]["status"] == "invalid_text" and "int" in by_id["number"]["error"]
    for key in ("empty", "blank", "nbsp", "surrogate", "control", "huge"):
        assert by_id[key]["status"] == "ok", by_id[key]
    assert by_id["empty"]["pieces"] == [
        {"piece": "[CLS]", "id": 101, "begin": None, "end": None},
        {"piece": "[SEP]", "id": 102, "begin": None, "end": None},
    ]
    assert by_id["huge"]["truncated"] and by_id["huge"]["piece_count"] == 2502


def test_input_pass_ids_are_the_scorers_model_input(scorer, settings):
    """input-first compares InputEncoder's ids (no words, no offsets) against Spark NLP's: they
    must be exactly what the scorer feeds, truncation, lone surrogates and non-strings included."""
    from hf_reference.inputs import InputEncoder

    texts = ["Great film!", "", "  ", "caf\u00e9 na\u00efve \ud800 ok", " ".join(["word"] * 300),
             "\u200bzero\u00adwidth", 42]
    encoded = InputEncoder(settings).encode(texts)
    strings = [(i, t) for i, t in enumerate(texts) if isinstance(t, str)]
    records = scorer.score([str(i) for i, _ in strings], [t for _, t in strings])
    assert encoded[texts.index(42)] is None
    for (index, _), record in zip(strings, records):
        fed = (record["input_ids"], record["attention_mask"], record["token_type_ids"])
        assert encoded[index] == fed, texts[index]
    assert len(encoded[4][0]) == settings.max_length  # the 300-word text was truncated
