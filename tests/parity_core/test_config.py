"""conf/ is read safely into a typed object that refuses unknown keys and names them."""

from __future__ import annotations

import pytest

from parity_core.config import CompareConfig, load_config, parse_config
from parity_core.errors import ConfigError


def test_default_config_loads(project_config):
    assert project_config.tokenization.max_length == 128
    assert project_config.tokenization.lowercase == "auto"
    assert project_config.checkpoint_path().endswith("default/checkpoint")


def test_default_yaml_states_the_thresholds_config_py_holds(project_config):
    """CompareConfig's defaults are the thresholds' home; conf/default.yaml (and every test
    model's conf, held equal to it by test_test_models) states the same values."""
    assert project_config.compare == CompareConfig()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"tokenization": {"max_lenght": 64}}, "unknown key tokenization.max_lenght"),
        ({"modle": {}}, "unknown section 'modle'"),
        ({"tokenization": {"max_length": "64"}}, "max_length must be int"),
        ({"tokenization": {"max_length": 1024}}, "between 3 and 512"),
        ({"tokenization": {"lowercase": "yes"}}, "lowercase must be auto, true or false"),
        ({"inference": {"threads": 0}}, "threads must be auto or a positive integer"),
        ({"compare": {"probability_tolerance": True}}, "probability_tolerance must be float"),
        ({"compare": {"max_label_disagreement_rate": 5}}, "share of the corpus rows, between 0"),
        ({"compare": {"max_abs_probability_delta": 1.0}},
         r"max_abs_probability_delta is no longer read: use compare\.max_probability_disag"),
    ],
)
def test_bad_config_is_refused_with_the_key_named(raw, message):
    with pytest.raises(ConfigError, match=message):
        parse_config(raw, "test.yaml")


def test_yaml_tags_that_build_objects_are_refused(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("model: !!python/object/apply:os.system ['echo hacked']\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)


def test_only_the_cache_variable_expands_in_paths(tmp_path):
    config = parse_config({"model": {"checkpoint": "${HOME}/x"}}, "test.yaml")
    with pytest.raises(ConfigError, match=r"only \$\{HFPARITY_CACHE\}"):
        config.checkpoint_path()
