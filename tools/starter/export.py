"""Export the trained starter cross-encoder to ONNX int8, GGUF Q8_0 (+ pooler as cls tensors) and CT2 int8.

Usage: python tools/starter/export.py [--model DIR] [--ship DIR] [--work DIR]
Writes into resources/models/starter/:
  config.json, tokenizer.json (padding/truncation removed), tokenizer_config.json,
  onnx/model_quantized.onnx, gguf/model-q8_0.gguf, ct2-int8/{model.bin, config.json, vocabulary.*,
  classifier_head.npz, tokenizer.json, hf_config.json}, SHA256SUMS
Intermediates (fp32 ONNX, stock GGUF) stay in WORK/export (not committed).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
from common import SHIP, WORK, load_tokenizer

LLAMA_CPP = Path("/work/devtools/llama_cpp_python-0.3.36/vendor/llama.cpp")
POOLING_RANK = 4


def load_model(model_dir: Path):
    import torch
    from transformers import BertForSequenceClassification

    model = BertForSequenceClassification.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    tte = model.bert.embeddings.token_type_embeddings.weight
    if not torch.equal(tte[0], tte[1]):
        raise SystemExit("token_type_embeddings rows 0 and 1 differ: the model would depend on token types")
    return model


def export_onnx(model, work: Path, ship: Path) -> Path:
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fp32 = work / "onnx" / "model.onnx"
    fp32.parent.mkdir(parents=True, exist_ok=True)
    ids = torch.tensor([[101, 2054, 2003, 102, 1037, 5371, 102], [101, 2054, 102, 1037, 102, 0, 0]])
    mask = (ids != 0).long()
    types = torch.tensor([[0, 0, 0, 0, 1, 1, 1], [0, 0, 0, 1, 1, 0, 0]])
    axes = {0: "batch", 1: "sequence"}
    torch.onnx.export(model, (ids, mask, types), str(fp32), dynamo=False, opset_version=17,
                      input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["logits"],
                      dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes,
                                    "logits": {0: "batch"}}, do_constant_folding=True)
    out = ship / "onnx" / "model_quantized.onnx"
    out.parent.mkdir(parents=True, exist_ok=True)
    # per-channel weight scales halved the drift vs torch here (mean |delta| 0.50 -> 0.19 logits on 1,200 pairs);
    # reduce_range made it worse; keeping the word embeddings / last layers in fp32 gained little for +5-35 MB
    quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True)
    return out


def _gguf_module():
    sys.path.insert(0, str(LLAMA_CPP / "gguf-py"))
    import gguf

    assert Path(gguf.__file__).is_relative_to(LLAMA_CPP), f"wrong gguf-py picked up: {gguf.__file__}"
    return gguf


def convert_gguf(model_dir: Path, outtype: str, out: Path) -> Path:
    """Stock llama.cpp converter, run from its own folder (it imports its own gguf-py and conversion/)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "convert_hf_to_gguf.py", str(model_dir), "--outtype", outtype,
                    "--outfile", str(out)], cwd=LLAMA_CPP, check=True)
    return out


def add_cls_tensors(src: Path, dst: Path, pooler_w: np.ndarray, pooler_b: np.ndarray) -> None:
    """Copy every key and tensor of src, add the BERT pooler as cls.weight/cls.bias (f32), set RANK pooling."""
    gguf = _gguf_module()
    reader = gguf.GGUFReader(str(src))
    arch = reader.fields[gguf.Keys.General.ARCHITECTURE].contents()
    if any(t.name.startswith("cls.weight") or t.name == "cls.bias" for t in reader.tensors):
        raise SystemExit(f"{src} already has cls tensors")
    writer = gguf.GGUFWriter(str(dst), arch)
    pooling_key = gguf.Keys.LLM.POOLING_TYPE.format(arch=arch)
    for field in reader.fields.values():
        if field.name == gguf.Keys.General.ARCHITECTURE or field.name.startswith("GGUF.") or field.name == pooling_key:
            continue
        vtype = field.types[0]
        sub = field.types[-1] if vtype == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(field.name, field.contents(), vtype, sub_type=sub)
    writer.add_pooling_type(gguf.PoolingType.RANK)
    extra = {"cls.weight": pooler_w.astype(np.float32), "cls.bias": pooler_b.astype(np.float32)}
    for t in reader.tensors:
        writer.add_tensor_info(t.name, t.data.shape, t.data.dtype, t.data.nbytes, t.tensor_type)
    for name, arr in extra.items():
        writer.add_tensor_info(name, arr.shape, arr.dtype, arr.nbytes)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for t in reader.tensors:
        writer.write_tensor_data(t.data, tensor_endianess=reader.endianess)
    for arr in extra.values():
        writer.write_tensor_data(arr)
    writer.close()


def export_gguf(model, model_dir: Path, work: Path, ship: Path, outtype: str = "q8_0") -> Path:
    stock = convert_gguf(model_dir, outtype, work / "gguf" / f"stock-{outtype}.gguf")
    out = (ship / "gguf" / "model-q8_0.gguf") if ship else work / "gguf" / f"model-{outtype}.gguf"
    out.parent.mkdir(parents=True, exist_ok=True)
    dense = model.bert.pooler.dense
    add_cls_tensors(stock, out, dense.weight.detach().numpy(), dense.bias.detach().numpy())
    return out


def export_ct2(model, model_dir: Path, ship: Path) -> Path:
    from ctranslate2.converters import TransformersConverter

    out = ship / "ct2-int8"
    TransformersConverter(str(model_dir)).convert(str(out), quantization="int8", force=True)
    np.savez(out / "classifier_head.npz",
             **{"classifier.weight": model.classifier.weight.detach().numpy().astype(np.float32),
                "classifier.bias": model.classifier.bias.detach().numpy().astype(np.float32)})
    shutil.copy(model_dir / "config.json", out / "hf_config.json")
    load_tokenizer(model_dir / "tokenizer.json").save(str(out / "tokenizer.json"), pretty=False)
    return out


def write_top_level(model_dir: Path, ship: Path) -> None:
    shutil.copy(model_dir / "config.json", ship / "config.json")
    load_tokenizer(model_dir / "tokenizer.json").save(str(ship / "tokenizer.json"), pretty=False)
    cfg = json.loads((model_dir / "tokenizer_config.json").read_text())
    cfg["model_max_length"] = 512
    (ship / "tokenizer_config.json").write_text(json.dumps(cfg, indent=1) + "\n")
    tj = json.loads((ship / "tokenizer.json").read_text())
    assert tj["padding"] is None and tj["truncation"] is None, "tokenizer.json still pads/truncates"


def write_checksums(ship: Path) -> int:
    lines, total = [], 0
    for p in sorted(ship.rglob("*")):
        if p.is_file() and p.name not in ("SHA256SUMS", "MODEL_CARD.md"):
            lines.append(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(ship)}")
            total += p.stat().st_size
    (ship / "SHA256SUMS").write_text("\n".join(lines) + "\n")
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, default=WORK / "model")
    ap.add_argument("--ship", type=Path, default=SHIP)
    ap.add_argument("--work", type=Path, default=WORK / "export")
    ap.add_argument("--debug-gguf", action="store_true", help="also write an f32 GGUF (+cls) under --work")
    args = ap.parse_args()
    args.ship.mkdir(parents=True, exist_ok=True)
    model = load_model(args.model)
    write_top_level(args.model, args.ship)
    print("onnx:", export_onnx(model, args.work, args.ship), flush=True)
    print("gguf:", export_gguf(model, args.model, args.work, args.ship), flush=True)
    if args.debug_gguf:
        print("gguf f32:", export_gguf(model, args.model, args.work, None, "f32"), flush=True)
    print("ct2:", export_ct2(model, args.model, args.ship), flush=True)
    total = write_checksums(args.ship)
    for p in sorted(args.ship.rglob("*")):
        if p.is_file():
            print(f"{p.stat().st_size / 1e6:8.2f} MB  {p.relative_to(args.ship)}")
    print(f"total {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
