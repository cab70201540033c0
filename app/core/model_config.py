"""Check the shape of a transformers ``config.json`` before family detection reads it.

:func:`check_config` returns the same dict when every field family detection uses has the right type and a
sane value, else raises :class:`~app.core.errors.ModelLoadError` naming the file and the field in one line.
Qt-free.
"""

from __future__ import annotations

from typing import Any

from app.core.errors import ModelLoadError, UnsupportedError


class BadConfigError(ModelLoadError):
    """A config.json that is there but unusable (not JSON, or fields of the wrong type)."""

MIN_POSITIONS = 10  # a pair needs a handful of tokens plus specials; XLM-R reserves 2 positions more
# model_type values family detection knows how to score (encoders in families._ENCODERS, and decoders).
KNOWN_MODEL_TYPES = frozenset({
    "bert", "distilbert", "roberta", "xlm-roberta", "camembert", "modernbert", "deberta-v2", "electra",
    "qwen2", "qwen3", "gemma", "gemma2", "llama", "mistral",
})
_INT_FIELDS = {  # field: smallest allowed value
    "max_position_embeddings": MIN_POSITIONS,
    "num_labels": 1,
    "type_vocab_size": 0,
}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value[:40]}"'
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return repr(value)[:40]


def _fail(source: str, field: str, wanted: str, value: Any) -> BadConfigError:
    return BadConfigError(f"{source}: \"{field}\" must be {wanted}, not {_kind(value)}. The model's config.json "
                          "is damaged or not a transformers config; re-download or fix it.")


def check_config(config: Any, source: str = "config.json", allow_custom_code: bool = False) -> dict:
    """``config`` itself when its fields are usable; a one-line :class:`BadConfigError` otherwise.

    Unless ``allow_custom_code`` (the user chose the family), a model type defined only by the repo's own code
    (``auto_map``) is refused with :class:`UnsupportedError`.
    """
    if not isinstance(config, dict):
        raise BadConfigError(f"{source} holds {_kind(config)}, not a JSON object with the model's settings. "
                             "Re-download the model or fix the file.")
    model_type = config.get("model_type", "")
    if not isinstance(model_type, str):
        raise _fail(source, "model_type", "a string such as \"bert\"", model_type)
    archs = config.get("architectures")
    if archs is not None and (not isinstance(archs, list) or not all(isinstance(a, str) for a in archs)):
        raise _fail(source, "architectures", 'a list of class names such as ["BertForSequenceClassification"]',
                    archs)
    for field, lowest in _INT_FIELDS.items():
        if field not in config:
            continue
        value = config[field]
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(source, field, "a whole number", value)
        if value < lowest:
            raise _fail(source, field, f"at least {lowest}", value)
    id2label = config.get("id2label")
    if id2label is not None and not isinstance(id2label, dict):
        raise _fail(source, "id2label", 'an object such as {"0": "LABEL_0"}', id2label)
    if not allow_custom_code and "auto_map" in config and model_type.lower() not in KNOWN_MODEL_TYPES:
        raise UnsupportedError(f"{source}: model_type \"{model_type or '(none)'}\" is defined by the repo's own "
                               "code (auto_map), which this app never runs, and is not a reranker family it "
                               "knows. Use a model with a standard architecture, or pass --family.")
    return config
