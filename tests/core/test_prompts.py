"""The decoder prompt pieces (app.core.prompts) against the tokenizers library and the family definitions."""

from __future__ import annotations

import random

import pytest

from app.core.errors import UnsupportedError
from app.core.families import (
    DEAR_FORMAT,
    GEMMA_FORMAT,
    MXBAI_FORMAT,
    QWEN3_FORMAT,
    detect_from_config,
    family_by_name,
    with_prompt_format,
)
from app.core.prompts import PairTemplate, Tokens, longest_first
from app.core.tokenization import hf_tokens, load_tokenizer

CHARS = Tokens(encode=lambda text: [ord(c) for c in text], bos_id=1, pad_id=0)


def _text(ids) -> str:
    return "".join(chr(i) if i > 1 else "<bos>" for i in ids)


def test_pair_truncation_equals_the_tokenizers_library(fixtures_dir):
    """DeAR's tokenizer(f"query: {q}", f"document: {d}", truncation=True, max_length=n), piece by piece."""
    tok = load_tokenizer(fixtures_dir / "tiny-llama-seq-cls")
    tokens = hf_tokens(tok)
    assert tokens.pair is not None and tokens.pair.n_special == 2  # <|begin_of_text|> before each sequence
    rng = random.Random(7)
    words = "the cat sat on a mat while paris is the capital of france and rain fell".split()
    for _ in range(60):
        q = " ".join(rng.choices(words, k=rng.randint(1, 40)))
        d = " ".join(rng.choices(words, k=rng.randint(1, 80)))
        n = rng.randint(8, 120)
        tok.enable_truncation(n, strategy="longest_first")
        want = tok.encode(f"query: {q}", f"document: {d}").ids
        tok.no_truncation()
        got = DEAR_FORMAT.build(tokens, q, d, n)
        assert list(got.ids) == want, (n, q, d)


def test_longest_first_keeps_the_shorter_side_when_it_fits():
    assert longest_first(10, 50, 40) == (10, 30)
    assert longest_first(50, 10, 40) == (30, 10)
    assert longest_first(30, 30, 41) == (20, 21)
    assert longest_first(3, 4, 10) == (3, 4)


def test_pair_template_is_learned_from_one_example():
    tpl = PairTemplate.from_example([1, 5, 6, 2, 2, 7, 2], [5, 6], [7])
    assert (tpl.pre, tpl.mid, tpl.post) == ((1,), (2, 2), (2,))
    with pytest.raises(ValueError):
        PairTemplate.from_example([1, 2, 3], [9], [3])


def test_flag_llm_layout_and_budgets():
    pair = GEMMA_FORMAT.build(CHARS, "q" * 10, "d" * 600, max_length=100)
    text = _text(pair.ids)
    assert text.startswith("<bos>A: qqqqqqqqqq\nB: ddd") and text.endswith("\n" + GEMMA_FORMAT.default_instruction)
    # "B: {p}" is cut at max_length tokens: [bos] + "A: q.." (13) + sep + 100 + sep + prompt
    assert len(pair.ids) == 1 + 13 + 1 + 100 + 1 + len(GEMMA_FORMAT.default_instruction)
    assert pair.truncated and not pair.query_truncated


def test_mxbai_layout_instruction_and_query_budget():
    pair = MXBAI_FORMAT.build(CHARS, "what?", "It is.", max_length=8192, instruction="Find it")
    text = _text(pair.ids)
    assert text == (MXBAI_FORMAT.prefix + "instruction: Find it\nquery: what?\ndocument: It is.\n"
                    + MXBAI_FORMAT.task + MXBAI_FORMAT.suffix)
    long_query = MXBAI_FORMAT.build(CHARS, "q" * 200, "d", max_length=100)
    assert long_query.query_truncated and "q" * 76 not in _text(long_query.ids)  # 3/4 of max_length


def test_qwen3_body_is_one_piece_cut_from_the_right():
    pair = QWEN3_FORMAT.build(CHARS, "q", "d" * 500, max_length=400)
    assert len(pair.ids) == 400 and _text(pair.ids).endswith(QWEN3_FORMAT.suffix) and pair.truncated


def test_seq_cls_formats_are_declared_by_config_or_card_never_by_name():
    qwen = {"model_type": "qwen3", "architectures": ["Qwen3ForSequenceClassification"]}
    assert detect_from_config(qwen).format_guessed  # Qwen3-Reranker template assumed, but flagged
    assert not detect_from_config(dict(qwen, classifier_from_token=["no", "yes"])).format_guessed
    card = "Converted from Qwen3-Reranker-0.6B to Qwen3ForSequenceClassification."
    assert not detect_from_config(qwen, card=card).format_guessed
    llama = {"model_type": "llama", "architectures": ["LlamaForSequenceClassification"]}
    assert detect_from_config(llama, hint="DeAR-3B-Reranker").format_guessed  # a repo name declares nothing
    declared = detect_from_config(llama, card='tokenizer(f"query: {query}", f"document: {document}")')
    assert declared.prompt is DEAR_FORMAT and not declared.format_guessed and declared.max_length == 228


def test_prompt_format_override():
    fam = with_prompt_format(detect_from_config({"model_type": "llama",
                                                 "architectures": ["LlamaForSequenceClassification"]}),
                             "qwen3-reranker")
    assert fam.prompt is QWEN3_FORMAT and not fam.format_guessed
    with pytest.raises(UnsupportedError, match="Unknown prompt format"):
        with_prompt_format(fam, "chatml")
    with pytest.raises(UnsupportedError, match="encoder"):
        with_prompt_format(family_by_name("bert"), "dear")


def test_gemma2_softcap_is_applied_only_when_the_runtime_skipped_it():
    import numpy as np

    fam = detect_from_config({"model_type": "gemma2", "architectures": ["Gemma2ForCausalLM"],
                              "final_logit_softcapping": 30.0, "attn_logit_softcapping": 50.0,
                              "head_dim": 256, "query_pre_attn_scalar": 256})
    logits = np.array([[0.0, 12.0]])
    assert fam.decoder_score(logits, 1, None)[0] == 12.0
    assert fam.decoder_score(logits, 1, None, softcap_applied=False)[0] == pytest.approx(30 * np.tanh(0.4))
    assert fam.attn_softcap == 50.0 and not fam.attn_scale_mismatch
