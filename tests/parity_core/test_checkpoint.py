"""Checkpoint inspection refuses what the parity check cannot run, before any Spark or torch.

Each case is a small folder made from the default checkpoint's JSON files (weights linked, not
copied) with one thing changed; the message must name the file at fault and the fix. No Spark.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from parity_core.checkpoint import inspect_checkpoint
from parity_core.config import parse_config
from parity_core.errors import ConfigError
from parity_core.fingerprint import checkpoint_hashes, sha256_file
from parity_core.settings import derive_settings

FILES = ("config.json", "tokenizer_config.json", "tokenizer.json", "vocab.txt",
         "special_tokens_map.json")


@pytest.fixture()
def folder(settings, tmp_path) -> Path:
    """A copy of the default checkpoint's text files, its weights linked."""
    source = Path(settings.checkpoint)
    target = tmp_path / "ckpt"
    target.mkdir()
    for name in FILES:
        if (source / name).is_file():
            (target / name).write_bytes((source / name).read_bytes())
    (target / "model.safetensors").symlink_to(source / "model.safetensors")
    return target


def edit_json(path: Path, **changes) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path.write_text(json.dumps(data), encoding="utf-8")


def test_default_checkpoint_is_an_uncased_two_label_bert(settings):
    info = inspect_checkpoint(settings.checkpoint)
    assert info.family.name == "bert" and info.family.sparknlp_annotator == \
        "BertForSequenceClassification"
    assert info.labels == ("negative", "positive")
    assert info.do_lower_case is True and info.max_positions == 512
    assert info.warnings == ()


def test_unsupported_architecture_is_refused_with_the_supported_list(folder):
    edit_json(folder / "config.json", architectures=["ElectraForSequenceClassification"],
              model_type="electra")
    with pytest.raises(ConfigError) as caught:
        inspect_checkpoint(folder, subject="--checkpoint")
    assert str(caught.value) == (
        f"--checkpoint {folder}: config.json: architecture ElectraForSequenceClassification is "
        "not supported (supported: AlbertForSequenceClassification, "
        "AlbertForTokenClassification, BertForSequenceClassification, "
        "BertForTokenClassification, DebertaV2ForSequenceClassification, "
        "DebertaV2ForTokenClassification, DistilBertForSequenceClassification, "
        "DistilBertForTokenClassification, RobertaForSequenceClassification, "
        "RobertaForTokenClassification, XLMRobertaForSequenceClassification, "
        "XLMRobertaForTokenClassification); fine-tune one of those and save it with "
        "save_pretrained")


def test_a_family_with_another_familys_tokenizer_is_refused(folder):
    edit_json(folder / "config.json", architectures=["RobertaForSequenceClassification"],
              model_type="roberta")
    with pytest.raises(ConfigError) as caught:
        inspect_checkpoint(folder, subject="--checkpoint")
    assert str(caught.value) == (
        f"--checkpoint {folder}: tokenizer.json: tokenizer model is WordPiece, not BPE; Spark "
        "NLP's RoBertaForSequenceClassification reads a BPE vocabulary only")


def test_unsupported_model_type_without_architectures_is_refused(folder):
    edit_json(folder / "config.json", architectures=None, model_type="gpt2")
    with pytest.raises(ConfigError, match=r"config\.json: no `architectures` and model_type "
                                          r"'gpt2' is not supported"):
        inspect_checkpoint(folder)


def test_the_jobs_get_the_same_refusal_through_derive_settings(folder):
    edit_json(folder / "config.json", architectures=["ElectraForSequenceClassification"])
    config = parse_config({"model": {"checkpoint": str(folder)}}, "t.yaml")
    with pytest.raises(ConfigError, match=rf"model\.checkpoint {folder}: config\.json: "
                                          "architecture ElectraForSequenceClassification"):
        derive_settings(config)


def test_missing_tokenizer_config_is_refused(folder):
    (folder / "tokenizer_config.json").unlink()
    with pytest.raises(ConfigError, match=r"tokenizer_config\.json: missing; save the tokenizer "
                                          r"with the model \(tokenizer\.save_pretrained"):
        inspect_checkpoint(folder)


def test_missing_vocabulary_is_refused(folder):
    (folder / "tokenizer.json").unlink()
    (folder / "vocab.txt").unlink()
    with pytest.raises(ConfigError, match=r"tokenizer\.json / vocab\.txt: no vocabulary"):
        inspect_checkpoint(folder)


def test_pickle_only_weights_are_refused(folder):
    (folder / "model.safetensors").unlink()
    (folder / "pytorch_model.bin").write_bytes(b"not loaded")
    with pytest.raises(ConfigError) as caught:
        inspect_checkpoint(folder)
    message = str(caught.value)
    assert message.startswith(f"model.checkpoint {folder}: model.safetensors missing")
    assert "(found: pytorch_model.bin)" in message and "safe_serialization=True" in message


def test_max_length_above_max_position_embeddings_is_refused(folder):
    edit_json(folder / "config.json", max_position_embeddings=64)
    assert inspect_checkpoint(folder, 64).max_positions == 64
    with pytest.raises(ConfigError, match=r"config\.json: max_length 128 exceeds "
                                          r"max_position_embeddings 64; use a max length of at "
                                          r"most 64"):
        inspect_checkpoint(folder, 128)
    config = parse_config({"model": {"checkpoint": str(folder)}}, "t.yaml")
    with pytest.raises(ConfigError, match=r"t\.yaml: tokenization\.max_length 128 exceeds the "
                                          r"checkpoint's model_max_length 64"):
        derive_settings(config)


def test_a_tokenizer_that_is_not_wordpiece_is_refused(folder):
    data = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    data["model"]["type"] = "BPE"
    (folder / "tokenizer.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"tokenizer\.json: tokenizer model is BPE, not "
                                          r"WordPiece"):
        inspect_checkpoint(folder)


def test_generic_label_names_pass_with_a_warning(folder):
    edit_json(folder / "config.json", id2label={"0": "LABEL_0", "1": "LABEL_1", "2": "LABEL_2"})
    info = inspect_checkpoint(folder)
    assert info.labels == ("LABEL_0", "LABEL_1", "LABEL_2")
    assert len(info.warnings) == 1 and "generic LABEL_0…LABEL_2" in info.warnings[0]


def test_one_label_is_refused(folder):
    edit_json(folder / "config.json", id2label={"0": "only"})
    with pytest.raises(ConfigError, match="1 label; a classifier needs 2 or more"):
        inspect_checkpoint(folder)


def test_cased_checkpoint_is_described_as_cased(folder):
    edit_json(folder / "tokenizer_config.json", do_lower_case=False)
    info = inspect_checkpoint(folder)
    assert info.do_lower_case is False
    config = parse_config({"model": {"checkpoint": str(folder)}}, "t.yaml")
    settings = derive_settings(config)
    assert settings.do_lower_case is False and settings.sparknlp_case_sensitive is True


def test_vocabulary_from_tokenizer_json_matches_vocab_txt_and_its_hash(folder):
    with_txt = sha256_file(folder / "vocab.txt")
    expected = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
    (folder / "vocab.txt").unlink()
    info = inspect_checkpoint(folder)
    assert info.files.vocab_txt is None and info.vocabulary() == expected
    # The Hugging Face fingerprint and the export's assets/vocab.txt hash the same bytes.
    assert hashlib.sha256(info.vocabulary_bytes()).hexdigest() == with_txt
    assert checkpoint_hashes(folder)["vocab_sha256"] == with_txt


def test_vocabulary_without_special_tokens_is_refused(folder):
    lines = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
    (folder / "vocab.txt").write_text("\n".join("[unused-cls]" if x == "[CLS]" else x
                                                for x in lines) + "\n", encoding="utf-8")
    (folder / "tokenizer.json").unlink()
    with pytest.raises(ConfigError, match=r"vocab\.txt: no \[CLS\] in the vocabulary"):
        inspect_checkpoint(folder)
