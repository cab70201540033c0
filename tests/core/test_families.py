import json

import pytest

from app.core.errors import ModelLoadError, UnsupportedError
from app.core.families import detect_from_config, detect_from_gguf, family_by_name, read_config
from app.core.fidelity import result_warnings, static_warnings
from app.core.pairs import EncodedPair
from app.core.prompts import Tokens


def test_bert_cross_encoder():
    fam = detect_from_config({"model_type": "bert", "architectures": ["BertForSequenceClassification"],
                              "type_vocab_size": 2, "max_position_embeddings": 512})
    assert (fam.name, fam.kind, fam.score_rule, fam.max_length) == ("bert", "encoder", "sigmoid", 512)
    assert fam.uses_token_types and fam.has_pooler


def test_two_label_head_is_softmax_and_xlmr_limit():
    fam = detect_from_config({"model_type": "xlm-roberta", "architectures": ["XLMRobertaForSequenceClassification"],
                              "id2label": {"0": "no", "1": "yes"}, "max_position_embeddings": 514})
    assert fam.score_rule == "softmax" and fam.num_labels == 2 and fam.max_length == 512
    assert not fam.uses_token_types


def test_embedding_model_is_not_a_reranker():
    with pytest.raises(UnsupportedError, match="no classification head"):
        detect_from_config({"model_type": "bert", "architectures": ["BertModel"]})


def test_decoder_families():
    qwen = detect_from_config({"model_type": "qwen3", "architectures": ["Qwen3ForCausalLM"]})
    assert qwen.name == "qwen3-reranker" and qwen.instruction_aware
    chars = Tokens(encode=lambda text: [ord(c) for c in text])
    text = "".join(map(chr, qwen.prompt.build(chars, "q?", "doc.", 8192).ids))
    assert "<Instruct>: Given a web search query" in text and text.endswith("<think>\n\n</think>\n\n")
    seq = detect_from_config({"model_type": "llama", "architectures": ["LlamaForSequenceClassification"]})
    assert seq.score_rule == "raw" and seq.seq_cls and seq.prompt.name == "dear" and seq.format_guessed
    with pytest.raises(UnsupportedError):
        detect_from_config({"model_type": "qwen2", "architectures": ["Qwen2ForCausalLM"]})
    assert detect_from_config({"model_type": "qwen2", "architectures": ["Qwen2ForCausalLM"]},
                              hint="mxbai-rerank-base-v2").name == "mxbai-v2"
    assert family_by_name("bge-gemma").positive_token == "Yes"


def test_gguf_detection_bert_without_pooler_warns():
    meta = {"general.architecture": "bert", "bert.context_length": "512", "tokenizer.ggml.model": "bert"}
    shapes = {"token_types.weight": (64, 2), "cls.output.weight": (64, 1)}
    fam = detect_from_gguf(meta, shapes)
    assert fam.name == "bert" and fam.uses_token_types and not fam.has_pooler
    codes = {w.code for w in static_warnings(fam, "gguf", "q8_0")}
    assert codes == {"token_types_ignored", "pooler_dropped"}
    assert {w.code for w in static_warnings(fam, "gguf", "f16")} == codes | {"half_precision"}
    assert static_warnings(fam, "onnx", "fp32") == []
    assert [w.code for w in static_warnings(fam, "onnx", "fp16")] == ["half_precision"]
    assert static_warnings(fam, "ct2", "float16") == []  # CT2 computes float16 as float32 on the CPU


def test_gguf_bert_with_identical_token_type_rows_needs_no_token_types():
    """read_gguf marks a GGUF whose token-type embedding rows are all equal (the starter): no warning then."""
    from app.backends.gguf_meta import IDENTICAL_TOKEN_TYPES

    meta = {"general.architecture": "bert", "tokenizer.ggml.model": "bert", IDENTICAL_TOKEN_TYPES: "true"}
    shapes = {"token_types.weight": (64, 2), "cls.output.weight": (64, 1), "cls.weight": (64, 64)}
    fam = detect_from_gguf(meta, shapes)
    assert not fam.uses_token_types and fam.has_pooler
    assert static_warnings(fam, "gguf", "q8_0") == []


def test_gguf_embedding_model_rejected():
    with pytest.raises(UnsupportedError, match="embedding model"):
        detect_from_gguf({"general.architecture": "bert"}, {"token_types.weight": (64, 2)})


def test_deberta_int8_warning():
    fam = detect_from_config({"model_type": "deberta-v2", "architectures": ["DebertaV2ForSequenceClassification"]})
    assert [w.code for w in static_warnings(fam, "onnx", "int8")] == ["deberta_int8"]


def test_collapsed_and_truncation_warnings():
    pairs = [EncodedPair(i, [1, 2], None, 600 if i == 0 else 2, i == 0) for i in range(3)]
    codes = [w.code for w in result_warnings([0.5, 0.5004, 0.5001], pairs, 512, [2])]
    assert codes == ["collapsed", "truncated", "empty_documents"]
    assert result_warnings([0.1, 0.5, 0.9], pairs[1:], 512, []) == []


def test_read_config_errors(tmp_path):
    with pytest.raises(ModelLoadError, match="No config.json"):
        read_config(tmp_path)
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(ModelLoadError, match="not valid JSON"):
        read_config(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert"}))
    assert read_config(tmp_path)["model_type"] == "bert"


def test_a_fifo_named_readme_never_blocks_family_detection(tmp_path):
    import os

    from app.core.families import read_card, read_hint

    (tmp_path / "model").mkdir()
    os.mkfifo(tmp_path / "model" / "README.md")  # nothing ever writes to it: a plain read would block forever
    assert read_card(tmp_path / "model") == ""
    assert read_hint(tmp_path / "model").split() == ["model", tmp_path.name, tmp_path.parent.name]
    (tmp_path / "README.md").write_text("# mxbai-rerank-base-v2\n\nquery: {q}\n", encoding="utf-8")
    assert read_card(tmp_path / "model").startswith("# mxbai")
