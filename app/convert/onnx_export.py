"""ONNX export with torch.onnx (the TorchScript exporter, eager attention), fp16 and dynamic int8 variants.

Graphs take ``input_ids``, ``attention_mask`` (+ ``token_type_ids`` for models that use them; + ``position_ids``
for decoders) and return ``logits``: encoders [batch, num_labels]; yes/no decoder rerankers the vocabulary
logits of the last position [batch, vocab] (left padding makes it every pair's last token; the full
[batch, seq, vocab] tensor is never built); sequence-classification decoders the score head on the last
position [batch, num_labels]. This is what app/backends/onnx.py feeds and reads.
"""

from __future__ import annotations

import warnings
from pathlib import Path

OPSET = 17


def _torch():
    import torch

    return torch


class _Wrappers:
    """Built lazily so that importing this module needs no torch."""

    @staticmethod
    def encoder(model, with_token_types: bool):
        torch = _torch()

        class EncoderWrapper(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.model = model

            def forward(self, input_ids, attention_mask, token_type_ids=None):
                kwargs = {"input_ids": input_ids, "attention_mask": attention_mask}
                if with_token_types:
                    kwargs["token_type_ids"] = token_type_ids
                return self.model(**kwargs).logits

        return EncoderWrapper()

    @staticmethod
    def causal(model, head: str):
        """head: "lm" (last-position vocabulary logits), "score" (seq-cls head), "full" ([b, s, vocab])."""
        torch = _torch()
        cap = getattr(model.config, "final_logit_softcapping", None)

        class CausalWrapper(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.model = model

            def forward(self, input_ids, attention_mask, position_ids):
                mask = causal_mask(torch, input_ids, attention_mask)
                if head == "full":
                    return self.model(input_ids=input_ids, attention_mask=mask, position_ids=position_ids,
                                      use_cache=False).logits
                out = self.model.base_model(input_ids=input_ids, attention_mask=mask, position_ids=position_ids,
                                            use_cache=False)
                last = out.last_hidden_state[:, -1, :]
                if head == "score":
                    return self.model.score(last)
                logits = self.model.get_output_embeddings()(last)
                if cap:
                    logits = torch.tanh(logits / cap) * cap
                return logits

        return CausalWrapper()


def causal_mask(torch, input_ids, attention_mask):
    """The 4-D additive mask (causal AND key-not-padding), handed to transformers as a custom mask.

    Rows of padding queries (left padding) still see themselves, which keeps the softmax finite; their
    outputs are never read.
    """
    seq = input_ids.shape[1]
    idx = torch.arange(seq, device=input_ids.device)
    causal = idx.view(1, 1, seq, 1) >= idx.view(1, 1, 1, seq)
    keys = attention_mask.view(attention_mask.shape[0], 1, 1, seq).bool()
    diag = idx.view(1, 1, seq, 1) == idx.view(1, 1, 1, seq)
    allowed = (causal & keys) | diag
    zero = torch.zeros((), dtype=torch.float32)
    neg = torch.full((), torch.finfo(torch.float32).min, dtype=torch.float32)
    return torch.where(allowed, zero, neg)


def _export(wrapper, args: tuple, input_names: list[str], dynamic: dict, path: Path) -> None:
    torch = _torch()
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(wrapper, args, str(path), input_names=input_names, output_names=["logits"],
                          dynamic_axes=dynamic, opset_version=OPSET, do_constant_folding=True, dynamo=False)


def export_encoder(model, with_token_types: bool, path: Path) -> list[str]:
    """Write an encoder cross-encoder's graph to ``path``; returns its input names."""
    torch = _torch()
    ids = torch.tensor([[2, 10, 11, 3, 12, 13, 3], [2, 14, 3, 15, 3, 0, 0]])
    mask = (ids != 0).long()
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if with_token_types else [])
    args = (ids, mask) + ((torch.zeros_like(ids),) if with_token_types else ())
    dynamic = {n: {0: "batch", 1: "sequence"} for n in names}
    dynamic["logits"] = {0: "batch"}
    _export(_Wrappers.encoder(model, with_token_types), args, names, dynamic, path)
    return names


def export_causal(model, path: Path, head: str = "lm") -> list[str]:
    """Write a decoder reranker's graph (see ``_Wrappers.causal`` for ``head``); returns its input names."""
    torch = _torch()
    ids = torch.tensor([[5, 6, 7, 8, 9], [0, 0, 7, 8, 9]])
    mask = torch.tensor([[1, 1, 1, 1, 1], [0, 0, 1, 1, 1]])
    pos = (mask.cumsum(-1) - 1).clamp(min=0)
    names = ["input_ids", "attention_mask", "position_ids"]
    dynamic = {n: {0: "batch", 1: "sequence"} for n in names}
    dynamic["logits"] = {0: "batch", 1: "sequence"} if head == "full" else {0: "batch"}
    _export(_Wrappers.causal(model, head), (ids, mask, pos), names, dynamic, path)
    return names


def to_fp16(src: Path, dst: Path) -> None:
    """fp16 weights and compute, fp32 inputs/outputs (onnxruntime's float16 converter)."""
    import onnx
    from onnxruntime.transformers.float16 import convert_float_to_float16

    model = convert_float_to_float16(onnx.load(str(src)), keep_io_types=True, disable_shape_infer=False)
    onnx.save(model, str(dst))


def quantize_int8(src: Path, dst: Path) -> None:
    """Dynamic int8 (QInt8 weights), onnxruntime's stock quantizer."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # it logs a "consider pre-processing" hint on the root logger every time
    try:
        quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8)
    finally:
        root.setLevel(level)
