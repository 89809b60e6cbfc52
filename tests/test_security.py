"""Nothing unsafe: no pickle weights, no remote code, safe YAML, unknown keys named, no shell.

Each refusal is checked where a user meets it (the job entry point or the library call) and, where
the attack would have a side effect, by a sentinel file that must never appear.
"""

from __future__ import annotations

import ast
import json
import os
import pickle
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from parity_core.config import load_config, parse_config
from parity_core.errors import ConfigError
from tests.support.paths import REPO

SOURCE_DIRS = ("hf_reference", "spark_pipelines", "jobs", "benchmarks", "tests")
CHECKPOINT_TEXT_FILES = ("config.json", "tokenizer_config.json", "tokenizer.json", "vocab.txt",
                         "special_tokens_map.json")


def _python_files() -> list[Path]:
    files = [p for d in SOURCE_DIRS for p in (REPO / d).rglob("*.py")]
    return sorted(files + list(REPO.glob("*.py")))


class _Touch:
    """Unpickling this creates `path`: proof that someone unpickled it."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def _run_job(script: str, *args: str) -> subprocess.CompletedProcess:
    """A job entry point with the venv's Python; refusals happen before Spark starts."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, str(REPO / "jobs" / script), *args],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=120,
                          check=False)


def _config_file(folder: Path, name: str, **model: str) -> Path:
    path = folder / name
    path.write_text(json.dumps({"model": model}), encoding="utf-8")  # JSON is YAML
    return path


def _pickle_only_checkpoint(settings, folder: Path, sentinel: Path) -> Path:
    folder.mkdir()
    source = Path(settings.checkpoint)
    for name in CHECKPOINT_TEXT_FILES:
        if (source / name).is_file():
            (folder / name).write_bytes((source / name).read_bytes())
    with open(folder / "pytorch_model.bin", "wb") as handle:
        pickle.dump(_Touch(sentinel), handle)
    return folder


def test_pickle_only_checkpoint_is_refused_before_anything_loads(settings, tmp_path):
    from hf_reference.model import load_model
    from parity_core.settings import derive_settings

    sentinel = tmp_path / "unpickled"
    folder = _pickle_only_checkpoint(settings, tmp_path / "ckpt", sentinel)
    with pytest.raises(ConfigError, match=r"model\.safetensors missing.*pytorch_model\.bin"):
        derive_settings(parse_config({"model": {"checkpoint": str(folder)}}, "t.yaml"))
    with pytest.raises(FileNotFoundError, match="pickle weights are refused"):
        load_model(folder, threads=1)
    done = _run_job("hf_reference.py", "--config", str(REPO / "conf" / "default.yaml"),
                    "--input", str(tmp_path), "--output", str(tmp_path / "out"),
                    "--checkpoint", str(folder))
    assert done.returncode == 2, done.stderr
    assert f"model.checkpoint {folder}" in done.stderr and "pytorch_model.bin" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()
    assert not sentinel.exists()


def test_trust_remote_code_is_never_enabled_in_the_sources():
    enabled = []
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            literal_false = isinstance(getattr(node, "value", None), ast.Constant) and (
                node.value.value is False)
            if isinstance(node, ast.keyword) and node.arg == "trust_remote_code" and (
                    not literal_false):
                enabled.append(f"{path.relative_to(REPO)}:{node.value.lineno}")
    assert enabled == []
    texts = [p for p in REPO.rglob("*") if p.suffix in {".yaml", ".yml", ".toml", ".cfg", ".json"}
             and ".venv" not in p.parts and ".git" not in p.parts]
    assert [p for p in texts if "trust_remote_code" in p.read_text(errors="replace")] == []


def test_custom_code_in_a_checkpoint_is_never_executed(settings, tmp_path):
    """auto_map entries pointing at code in the folder: the scorer loads the library classes."""
    from hf_reference.scorer import ReferenceScorer

    source, folder = Path(settings.checkpoint), tmp_path / "ckpt"
    folder.mkdir()
    for item in source.iterdir():
        if item.is_file():
            (folder / item.name).symlink_to(item)
    sentinel = tmp_path / "remote-code-ran"
    payload = f"open({str(sentinel)!r}, 'w').close()\n"
    for module in ("evil_model", "evil_tokenizer", "evil_config"):
        (folder / f"{module}.py").write_text(payload, encoding="utf-8")
    for name, auto_map in (
        ("config.json", {"AutoConfig": "evil_config.EvilConfig",
                         "AutoModelForSequenceClassification": "evil_model.EvilModel"}),
        ("tokenizer_config.json", {"AutoTokenizer": ["evil_tokenizer.EvilTokenizer", None]}),
    ):
        data = json.loads((source / name).read_text(encoding="utf-8"))
        (folder / name).unlink()
        (folder / name).write_text(json.dumps({**data, "auto_map": auto_map}), encoding="utf-8")
    scorer = ReferenceScorer(replace(settings, checkpoint=str(folder)), threads=1)
    (record,) = scorer.score(["r"], ["a fine film"])
    assert record["status"] == "ok"
    assert type(scorer.model).__module__.startswith("transformers.")
    assert type(scorer.tokenizer).__module__.startswith("transformers.")
    assert not sentinel.exists()


@pytest.mark.parametrize("tag", [
    "!!python/object/apply:builtins.open ['{sentinel}', 'w']",
    "!!python/object/new:builtins.open ['{sentinel}', 'w']",
    "!!python/name:os.system",
])
def test_yaml_python_tags_are_refused_and_never_run(tmp_path, tag):
    sentinel = tmp_path / "yaml-ran"
    path = tmp_path / "evil.yaml"
    path.write_text(f"model:\n  checkpoint: {tag.format(sentinel=sentinel)}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=f"{path}: not valid YAML"):
        load_config(path)
    done = _run_job("hf_reference.py", "--config", str(path), "--input", str(tmp_path),
                    "--output", str(tmp_path / "out"))
    assert done.returncode == 2 and "not valid YAML" in done.stderr
    assert not sentinel.exists()


@pytest.mark.parametrize(("document", "named"), [
    ({"tokenization": {"max_lenght": 64}}, "unknown key tokenization.max_lenght"),
    ({"model": {"checkpoint": "x", "trust_remote_code": True}},
     "unknown key model.trust_remote_code"),
    ({"plugins": {"load": "evil"}}, "unknown section 'plugins'"),
])
def test_unknown_config_keys_are_refused_by_name(tmp_path, document, named):
    path = tmp_path / "conf.yaml"
    path.write_text(json.dumps(document), encoding="utf-8")
    for script in ("hf_reference.py", "sparknlp_pipeline.py"):
        done = _run_job(script, "--config", str(path), "--input", str(tmp_path),
                        "--output", str(tmp_path / "out"))
        assert done.returncode == 2, done.stderr
        assert f"error: {path}: {named}" in done.stderr
        assert "Traceback" not in done.stderr


SHELLISH_CALLS = {("os", "system"), ("os", "popen"), ("subprocess", "getoutput"),
                  ("subprocess", "getstatusoutput"), ("pty", "spawn")}


def test_no_shell_anywhere_in_the_code_base():
    found = []
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            where = f"{path.relative_to(REPO)}:{node.lineno}"
            for keyword in node.keywords:
                falsy = isinstance(keyword.value, ast.Constant) and not keyword.value.value
                if keyword.arg == "shell" and not falsy:
                    found.append(f"{where} shell=")
            func = node.func
            if (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                    and (func.value.id, func.attr) in SHELLISH_CALLS):
                found.append(f"{where} {func.value.id}.{func.attr}")
    assert found == []


SHELLISH = "x;touch {p}1 && $(touch {p}2) `touch {p}3` | tee {p}4 > {p}5 & 'q\"$HOME"


def test_paths_with_shell_metacharacters_stay_plain_paths(tmp_path):
    pwned = tmp_path / "pwned"
    weird = str(tmp_path / SHELLISH.format(p=pwned))
    default = str(REPO / "conf" / "default.yaml")
    cases = [
        ("hf_reference.py", ["--config", weird + ".yaml"], f"--config {weird}.yaml: no such file"),
        ("hf_reference.py", ["--config", str(_config_file(tmp_path, "a.yaml", checkpoint=weird))],
         f"model.checkpoint {weird}: no such folder"),
        ("hf_reference.py", ["--config", default, "--input", weird + ".jsonl"],
         f"--input {weird}.jsonl: no such file or folder"),
        ("sparknlp_pipeline.py",
         ["--config", str(_config_file(tmp_path, "b.yaml", sparknlp_model=weird))],
         f"model.sparknlp_model {weird}: not a saved Spark NLP model"),
    ]
    for script, args, message in cases:
        if "--input" not in args:
            args = [*args, "--input", str(tmp_path)]
        done = _run_job(script, *args, "--output", str(tmp_path / "out"))
        assert done.returncode == 2, (args, done.stderr)
        assert message in done.stderr, done.stderr
    # nothing ran and nothing was written: only the two config files are there
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml", "b.yaml"]
    assert not any(Path.cwd().glob("*pwned*")) and not any(REPO.glob("*pwned*"))


def test_an_existing_file_with_metacharacters_in_its_name_is_read_as_is(tmp_path):
    from jobs.cli import check_corpus_path

    folder = tmp_path / "a $(b) ;c| `d` & 'e\""
    folder.mkdir()
    corpus = folder / "corpus;rm -rf x.jsonl"
    corpus.write_text('{"id": "1", "text": "a"}\n', encoding="utf-8")
    assert check_corpus_path(str(corpus)) == str(corpus)
    config = folder / "conf $(x).yaml"
    config.write_text("tokenization:\n  max_length: 64\n", encoding="utf-8")
    assert load_config(config).tokenization.max_length == 64
