"""Known-unfaithful combinations of model family, runtime and precision, reported as warnings."""

from __future__ import annotations

from collections.abc import Sequence

from app.core.families import ModelFamily
from app.core.pairs import EncodedPair
from app.core.types import FidelityWarning, ScoreOptions

COLLAPSE_EPS = 1e-3


def static_warnings(family: ModelFamily, backend: str, precision: str) -> list[FidelityWarning]:
    """Warnings that follow from what was loaded, before any document is scored."""
    out: list[FidelityWarning] = []
    if backend == "gguf" and family.name == "bert":
        if family.uses_token_types:
            out.append(FidelityWarning(
                "token_types_ignored",
                "llama.cpp feeds token type 0 to every token, but this BERT model was trained with token "
                "types 0 (query) / 1 (document): scores differ from the reference. Use ONNX or CT2 for a "
                "faithful score.",
            ))
        if not family.has_pooler:
            out.append(FidelityWarning(
                "pooler_dropped",
                "This GGUF has no BERT pooler (dense + tanh): the converter drops it and maps the classifier "
                "straight onto the [CLS] state, so rankings can be near random. Use ONNX or CT2, or a GGUF "
                "with the pooler written as cls.weight / cls.bias.",
            ))
    if backend == "gguf" and family.name == "distilbert":
        out.append(FidelityWarning(
            "distilbert_tanh",
            "llama.cpp runs this DistilBERT GGUF as plain BERT: its graph applies tanh after pre_classifier where "
            "DistilBERT applies ReLU, so scores differ from the reference (|Δ| 3.5 logits on a tiny test model) "
            "and rankings can change. Use ONNX or CT2 for a faithful score.",
        ))
    out += decoder_warnings(family, backend)
    if backend == "gguf" and family.name == "modernbert":
        out.append(FidelityWarning(
            "gelu_f16",
            "llama.cpp's CPU GELU reads an f16 lookup table (ggml GGML_GELU_FP16), so ModernBERT's GeGLU "
            "activations are rounded to f16 even in an f32 GGUF: scores drift by about 0.002-0.003 logits from "
            "transformers (measured on a tiny ModernBERT). Use ONNX fp32 for an exact score.",
        ))
    elif backend == "gguf" and family.name in ("bert", "xlm-roberta", "distilbert") and precision.lower() == "f32":
        out.append(FidelityWarning(
            "gelu_f16",
            "llama.cpp's CPU GELU reads an f16 lookup table (ggml GGML_GELU_FP16) and, with flash attention, casts "
            "K and V to f16, so even an f32 GGUF is not exact: about 0.003-0.007 logits from transformers "
            "(measured on a tiny XLM-R f32 GGUF). Use ONNX or CT2 fp32 for an exact score.",
        ))
    if is_half_precision(backend, precision):
        out.append(FidelityWarning(
            "half_precision",
            f"This {backend.upper()} file stores its weights in half precision ({precision}): every weight is "
            "rounded to 11 significant bits, so scores drift from the fp32 reference (measured up to 0.01-0.04 "
            "logits on this app's test models). Compare with an fp32 or Reference column before trusting small "
            "score differences.",
        ))
    if family.name == "deberta-v2" and "int8" in precision.lower():
        out.append(FidelityWarning(
            "deberta_int8",
            "DeBERTa-v2 is fragile under int8 weight quantization (large score drift is common); compare "
            "against an fp32 column before trusting this ranking.",
        ))
    return out


def is_half_precision(backend: str, precision: str) -> bool:
    """f16/bf16 weights where the runtime computes with them (GGUF, ONNX); CT2 float16 runs as float32 on CPU."""
    p = precision.lower()
    return backend in ("gguf", "onnx") and p in ("f16", "bf16", "fp16")


def batching_warnings(batched_dependent: bool, backend: str = "onnx") -> list[FidelityWarning]:
    """Batching a batch-dependent int8 model was asked for: scores then depend on the batch."""
    if not batched_dependent:
        return []
    if backend == "ct2":
        return [FidelityWarning(
            "batch_dependent",
            "Batching is on for CTranslate2 int8 on the CPU: a pair's score changes with the batch it is computed "
            "in (up to 0.15 logits between a pair alone and in a batch of 16, measured on the starter model). "
            "Turn 'batch dynamic int8' off for scores that do not depend on their neighbours.",
        )]
    return [FidelityWarning(
        "batch_dependent",
        "Batching is on for a dynamically quantized ONNX graph (DynamicQuantizeLinear): activations are quantized "
        "with one scale per batch, so each score depends on the other documents in its batch and on padding. "
        "Turn 'batch dynamic int8' off for scores that do not depend on their neighbours (about 9 % slower).",
    )]


LLAMA_VOCAB_WPM = 3  # llama.h LLAMA_VOCAB_TYPE_WPM: BERT WordPiece


def llama_server_warnings(models: object, family: str | None = None) -> list[FidelityWarning]:
    """What a llama.cpp server's ``GET /v1/models`` says about fidelity.

    llama-server reports no architecture, but each model's ``meta.vocab_type``: 3 (WordPiece) is a BERT-family
    model (BERT, DistilBERT), which llama.cpp runs with token type 0 everywhere and, from the stock converter,
    without the BERT pooler (DistilBERT: tanh instead of ReLU), exactly as a local GGUF column.
    """
    data = models.get("data") if isinstance(models, dict) else None
    metas = [m.get("meta") for m in data if isinstance(m, dict)] if isinstance(data, list) else []
    wpm = any(isinstance(m, dict) and m.get("vocab_type") == LLAMA_VOCAB_WPM for m in metas)
    if not wpm or (family or "").startswith(("xlm-roberta", "qwen3", "bge-gemma", "mxbai")):
        return []
    return [FidelityWarning(
        "remote_bert_llamacpp",
        "This llama.cpp server runs a BERT-family model (WordPiece vocabulary, vocab_type 3 in /v1/models). "
        "llama.cpp feeds token type 0 to every token, and GGUFs from the stock converter lack the BERT pooler "
        "(DistilBERT gets tanh instead of ReLU): unless the GGUF was built for llama.cpp, scores differ from the "
        "reference. Compare with a local ONNX or CT2 column of the same model.",
    )]


def decoder_warnings(family: ModelFamily, backend: str) -> list[FidelityWarning]:
    """A guessed prompt format; Gemma2 features CTranslate2's converter drops."""
    out: list[FidelityWarning] = []
    if family.format_guessed:
        out.append(FidelityWarning(
            "prompt_format_guessed",
            f"The prompt format of this {family.architecture} classifier is a guess: {family.format_guessed}. "
            "If its model card shows another layout, choose it with --prompt-format (column setting "
            "'Prompt format'); scores from a wrong layout are meaningless.",
        ))
    if backend == "gguf" and family.architecture in ("gemma", "gemma2"):
        out.append(FidelityWarning(
            "gelu_f16",
            "llama.cpp's CPU GELU reads an f16 lookup table (ggml GGML_GELU_FP16), so Gemma's feed-forward "
            "activations are rounded to f16 even in an f32 GGUF: scores drift by about 0.003 logits from "
            "transformers (measured on a tiny Gemma). Use ONNX or CT2 fp32 for an exact score.",
        ))
    if backend == "ct2" and family.attn_scale_mismatch:
        out.append(FidelityWarning(
            "gemma2_attn_scale",
            "This Gemma2 model scales attention by query_pre_attn_scalar, not head_dim; CTranslate2's converter "
            "ignores that setting, so every attention layer is computed with the wrong scale. Use ONNX or GGUF.",
        ))
    if backend == "ct2" and family.attn_softcap:
        out.append(FidelityWarning(
            "gemma2_attn_softcap",
            f"CTranslate2 does not apply Gemma2's attention-logit soft-capping (attn_logit_softcapping="
            f"{family.attn_softcap:g}): attention scores near or above the cap come out larger than in "
            "transformers, so scores drift from the reference (the final logit soft-capping, which CTranslate2 "
            "also skips, is applied by this app). Use ONNX or GGUF for a faithful score.",
        ))
    return out


def option_warnings(family: ModelFamily, options: ScoreOptions) -> list[FidelityWarning]:
    if family.template is not None and not options.use_template:
        return [FidelityWarning(
            "no_template",
            f"{family.name} was trained on a prompt template; scoring without it ranks close to random.",
        )]
    return []


def doc_limit_warnings(limit: int | None, cut: int) -> list[FidelityWarning]:
    """Documents cut to ``max_doc_tokens`` before pairing (what Cohere's ``max_tokens_per_doc`` asks for)."""
    if not limit or not cut:
        return []
    return [FidelityWarning("doc_token_limit", f"Documents longer than {limit} tokens were cut to their first "
                            f"{limit} tokens (max_tokens_per_doc); their ends were not scored.")]


def result_warnings(normalized: Sequence[float], pairs: Sequence[EncodedPair], max_length: int,
                    empty_docs: Sequence[int]) -> list[FidelityWarning]:
    """Warnings that depend on what came out of one run."""
    out: list[FidelityWarning] = []
    if len(normalized) >= 3 and max(normalized) - min(normalized) < COLLAPSE_EPS:
        out.append(FidelityWarning(
            "collapsed",
            f"All {len(normalized)} scores lie within {COLLAPSE_EPS:g} of each other: the model's output has "
            "collapsed (wrong pair layout, missing head, or broken quantization). The ranking means nothing.",
        ))
    cut = sum(1 for p in pairs if p.truncated)
    if cut:
        out.append(FidelityWarning(
            "truncated",
            f"{cut} of {len(pairs)} pairs were cut at {max_length} tokens (the document end was not scored); "
            "use long-document mode (chunking) to score whole documents.",
        ))
    if any(p.query_truncated for p in pairs):
        out.append(FidelityWarning(
            "query_truncated",
            f"The query is longer than the model's limit allows ({max_length} tokens per pair) and was cut.",
        ))
    if empty_docs:
        shown = ", ".join(str(i + 1) for i in empty_docs[:10])
        out.append(FidelityWarning(
            "empty_documents",
            f"Document(s) {shown} are empty; they were scored as an empty passage.",
        ))
    return out
