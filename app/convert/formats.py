"""What ``convert`` can write, where each artifact goes, and which formats run a family faithfully.

Pure data and rules (no runtime imports). A target is ``runtime:precision`` as typed on the command line.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.errors import BadInputError
from app.core.families import ModelFamily


@dataclass(frozen=True)
class Target:
    runtime: str  # onnx | ct2 | gguf
    precision: str  # fp32, fp16, int8, int8_float16, f32, f16, q8_0, q4_k
    path: str  # where the artifact goes inside the output folder (file, or CT2 folder)
    backend: str  # the app's backend that loads it
    tolerance: float | None  # max |Δ raw| vs the reference expected of a faithful export (None: report only)

    @property
    def name(self) -> str:
        return f"{self.runtime}:{self.precision}"


FP32_TOL, HALF_TOL = 1e-3, 5e-3
TARGETS: dict[str, Target] = {t.name: t for t in (
    Target("onnx", "fp32", "onnx/model.onnx", "onnx", FP32_TOL),
    Target("onnx", "fp16", "onnx/model_fp16.onnx", "onnx", HALF_TOL),
    Target("onnx", "int8", "onnx/model_quantized.onnx", "onnx", None),
    Target("ct2", "fp32", "ct2-float32", "ct2", FP32_TOL),
    Target("ct2", "int8", "ct2-int8", "ct2", None),
    Target("ct2", "int8_float16", "ct2-int8_float16", "ct2", None),
    Target("gguf", "f32", "gguf/model-f32.gguf", "gguf", FP32_TOL),
    Target("gguf", "f16", "gguf/model-f16.gguf", "gguf", HALF_TOL),
    Target("gguf", "q8_0", "gguf/model-q8_0.gguf", "gguf", None),
    Target("gguf", "q4_k", "gguf/model-q4_k_m.gguf", "gguf", None),
)}
CT2_QUANT = {"fp32": "float32", "int8": "int8", "int8_float16": "int8_float16"}

CT2_FAMILIES = {"bert", "distilbert", "xlm-roberta", "qwen3-reranker", "bge-gemma", "mxbai-v2"}
GGUF_FAMILIES = {"bert", "xlm-roberta", "modernbert", "qwen3-reranker", "bge-gemma", "mxbai-v2"}


def parse_targets(text: str | None) -> list[Target] | None:
    """``onnx:fp32,gguf:q8_0`` -> targets (None for no list: the family's default). ``onnx`` = all of onnx."""
    if text is None:
        return None
    out: list[Target] = []
    for item in (t.strip().lower() for t in text.split(",")):
        if not item:
            continue
        matched = [t for name, t in TARGETS.items() if name == item or (":" not in item and t.runtime == item)]
        if not matched:
            raise BadInputError(f"--to: unknown format '{item}'. Choose from {', '.join(TARGETS)} "
                                "(or onnx, ct2, gguf for all of one runtime), comma-separated.")
        out += [t for t in matched if t not in out]
    if not out:
        raise BadInputError("--to: name at least one format, e.g. --to onnx:fp32,gguf:q8_0.")
    return out


def skip_reason(family: ModelFamily, target: Target, config: dict) -> str | None:
    """Why ``target`` cannot represent ``family`` faithfully (None: it can)."""
    name = family.name
    if family.seq_cls:  # Llama / Qwen3 ForSequenceClassification
        if target.runtime == "ct2":
            return ("CTranslate2's converter drops a decoder's sequence-classification head (it would score "
                    "vocabulary logits)")
        if target.runtime == "gguf":
            return "llama.cpp's converter refuses decoder ForSequenceClassification checkpoints"
    elif target.runtime == "ct2" and name not in CT2_FAMILIES:
        return f"CTranslate2 has no converter for {family.architecture} (it runs BERT, DistilBERT, XLM-R encoders)"
    elif target.runtime == "gguf" and name not in GGUF_FAMILIES:
        if name == "distilbert":
            return "llama.cpp's DistilBERT graph applies tanh to pre_classifier where DistilBERT uses ReLU"
        return f"llama.cpp's converter has no path for {family.architecture}"
    return None


def default_warning(family: ModelFamily, target: Target, config: dict) -> str | None:
    """A format that runs but not faithfully for this model: left out of the default list, allowed when asked."""
    if target.runtime == "ct2" and family.architecture == "gemma2":
        return "CTranslate2 skips Gemma2's attention soft-capping (|Δ| 0.076 on a tiny Gemma2)"
    if target.runtime == "gguf" and family.name == "bert" and family.uses_token_types:
        return ("llama.cpp feeds token type 0 everywhere, and this BERT model has "
                f"{family.type_vocab_size} token types (query 0 / document 1): scores drift")
    return None


def plan(family: ModelFamily, config: dict, wanted: list[Target] | None,
         ) -> tuple[list[Target], list[tuple[Target, str]]]:
    """(targets to write, [(target, reason skipped)]): the faithful formats by default, or those asked for."""
    chosen, skipped = [], []
    for target in wanted if wanted is not None else list(TARGETS.values()):
        reason = skip_reason(family, target, config)
        if reason is None and wanted is None:
            reason = default_warning(family, target, config)
            if reason:
                reason += f" (not written by default; ask for it with --to {target.name})"
        if reason:
            skipped.append((target, reason))
        else:
            chosen.append(target)
    return chosen, skipped
