"""config.json of the wrong shape: one message naming the file and the field, never a traceback."""

import json
import shutil

import pytest

from app.backends import registry
from app.core.errors import ModelLoadError, PlaygroundError, UnsupportedError
from app.core.families import detect_from_config, family_by_name, read_config
from app.core.model_config import BadConfigError, check_config
from app.core.types import BackendConfig

BERT = {"model_type": "bert", "architectures": ["BertForSequenceClassification"], "max_position_embeddings": 128,
        "type_vocab_size": 2}


@pytest.mark.parametrize("text,field", [
    ("5", "holds 5"), ("null", "holds null"), ("[1, 2]", "holds a list"),
    (json.dumps({**BERT, "max_position_embeddings": "abc"}), '"max_position_embeddings" must be a whole number'),
    (json.dumps({**BERT, "max_position_embeddings": 4}), '"max_position_embeddings" must be at least 10'),
    (json.dumps({**BERT, "num_labels": None}), '"num_labels" must be a whole number, not null'),
    (json.dumps({**BERT, "num_labels": True}), '"num_labels" must be a whole number, not true'),
    (json.dumps({**BERT, "architectures": 5}), '"architectures" must be a list'),
    (json.dumps({**BERT, "type_vocab_size": "x"}), '"type_vocab_size" must be a whole number, not "x"'),
    (json.dumps({**BERT, "model_type": 7}), '"model_type" must be a string'),
    (json.dumps({**BERT, "id2label": [1]}), '"id2label" must be an object'),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"model_type": "bert", "num_labels": ' + "9" * 5000 + "}", "more than 4,300 digits"),
])
def test_read_config_names_the_file_and_field(tmp_path, text, field):
    (tmp_path / "config.json").write_text(text, encoding="utf-8")
    with pytest.raises(BadConfigError) as info:
        read_config(tmp_path)
    message = str(info.value)
    assert field in message and str(tmp_path / "config.json") in message and "\n" not in message


def test_config_fifo_is_refused_without_waiting(tmp_path):
    import os

    os.mkfifo(tmp_path / "config.json")
    with pytest.raises(BadConfigError, match="FIFO"):
        read_config(tmp_path)


def test_unknown_model_type_with_auto_map_is_unsupported():
    config = {"model_type": "mystery", "architectures": ["MysteryForSequenceClassification"],
              "auto_map": {"AutoModelForSequenceClassification": "modeling.Mystery"}}
    with pytest.raises(UnsupportedError, match='model_type "mystery" is defined by the repo\'s own code'):
        detect_from_config(config)
    # --family bert: the user takes responsibility; the shape is still checked and the family applies
    assert family_by_name("bert", config).name == "bert"


def test_known_decoder_with_auto_map_still_detected():
    config = {"model_type": "qwen3", "architectures": ["Qwen3ForCausalLM"], "auto_map": {"AutoModel": "x.Y"}}
    assert detect_from_config(config).name == "qwen3-reranker"


def test_good_config_is_returned_unchanged():
    assert check_config(dict(BERT)) == BERT


@pytest.mark.parametrize("backend,file", [("onnx", "onnx/model.onnx"), ("ct2", "ct2")])
def test_backends_report_the_bad_field(fixtures_dir, tmp_path, backend, file):
    """The loading path (the one the GUI's worker runs too) stops at the bad field, not in a runtime."""
    model = tmp_path / "m"
    shutil.copytree(fixtures_dir / "tiny-bert", model,
                    ignore=shutil.ignore_patterns("*.safetensors", "gguf", "ct2-int8", "hf_config.json"))
    config = json.loads((model / "config.json").read_text())
    config["type_vocab_size"] = "x"
    (model / "config.json").write_text(json.dumps(config))
    with pytest.raises(PlaygroundError, match='"type_vocab_size" must be a whole number'):
        registry.load(BackendConfig(str(model), backend, file=file))


def test_bad_config_error_is_a_model_load_error():
    assert issubclass(BadConfigError, ModelLoadError)
