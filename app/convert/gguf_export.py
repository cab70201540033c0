"""GGUF files: llama.cpp's own converter (f32), the repairs it needs, then llama.cpp's quantizer.

1. ``convert_hf_to_gguf.py --outtype f32`` from the tree matching the installed llama-cpp-python
   (llama_tools.py), run through gguf_wrapper.py.
2. Repairs, rewriting the f32 file with gguf-py (every key and tensor copied):
   - BERT: the converter drops the pooler (dense + tanh); it is written as ``cls.weight`` / ``cls.bias``, which
     llama.cpp's graph applies before ``cls.output``. A 2-label head with placeholder labels lands in
     ``cls.weight`` with the shape of a head: it is moved to ``cls.output`` and its labels are written.
   - ModernBERT: the norm epsilon is written only as the RMS-norm key; the layer-norm key llama.cpp reads is
     added.
3. f16, q8_0 and q4_k (Q4_K_M) from the repaired f32 through ``llama_cpp.llama_model_quantize``, in a child
   process (a native abort fails one step, not the conversion).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from app.convert.llama_tools import run_cancellable

WRAPPER = Path(__file__).with_name("gguf_wrapper.py")
QWEN2_SPLIT = ("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
               "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")
FTYPES = {"f16": "LLAMA_FTYPE_MOSTLY_F16", "q8_0": "LLAMA_FTYPE_MOSTLY_Q8_0", "q4_k": "LLAMA_FTYPE_MOSTLY_Q4_K_M"}
Cancelled = Callable[[], bool] | None


def _split_patterns(node) -> list[str]:
    if isinstance(node, dict):
        found = [node["pattern"]["Regex"]] if node.get("type") == "Split" and "Regex" in (node.get("pattern") or {}) \
            else []
        return found + [p for child in node.get("pretokenizers") or [] for p in _split_patterns(child)]
    return []


def fallback_pre(source: Path) -> str:
    """The pre-tokenizer name to write when llama.cpp does not know the vocabulary's hash ("-": refuse)."""
    try:
        tok = json.loads((source / "tokenizer.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "-"
    model = (tok.get("model") or {}).get("type")
    if model in ("WordPiece", "Unigram"):
        return "default"  # llama.cpp's WPM / UGM tokenizers do not use the pre-tokenizer name
    if model == "BPE" and QWEN2_SPLIT in _split_patterns(tok.get("pre_tokenizer")):
        return "qwen2"
    return "-"


def convert_f32(tree: Path, source: Path, out: Path, cancelled: Cancelled) -> None:
    cmd = [sys.executable, str(WRAPPER), str(tree), fallback_pre(source), "--", str(source.resolve()),
           "--outfile", str(out.resolve()), "--outtype", "f32"]
    env = dict(os.environ, PYTHONPATH=str(tree / "gguf-py"))
    env.pop("NO_LOCAL_GGUF", None)  # would make the converter skip its own gguf-py
    run_cancellable(cmd, cancelled, "llama.cpp's convert_hf_to_gguf.py", cwd=tree, env=env)


def repairs(family: str, config: dict, weights: Callable[[tuple[str, ...]], dict[str, np.ndarray]],
            shapes: dict[str, tuple[int, ...]]) -> tuple[dict, dict, dict, list[str]]:
    """(renames, extra tensors, extra keys, notes) that make the converter's file faithful."""
    rename: dict[str, str] = {}
    tensors: dict[str, np.ndarray] = {}
    keys: dict[str, object] = {}
    notes: list[str] = []
    hidden = int(config.get("hidden_size", 0))
    if family == "bert":
        misplaced = shapes.get("cls.weight")
        if misplaced is not None and "cls.output.weight" not in shapes and hidden and \
                int(np.prod(misplaced)) != hidden * hidden:
            rename = {"cls.weight": "cls.output.weight", "cls.bias": "cls.output.bias"}
            labels = int(np.prod(misplaced)) // hidden
            keys["bert.classifier.output_labels"] = [f"LABEL_{i}" for i in range(labels)]
            notes.append(f"{labels}-label head moved from cls.weight to cls.output (the converter put it where "
                         "the pooler goes)")
        pooler = weights(("bert.pooler.dense.weight", "bert.pooler.dense.bias"))
        if len(pooler) == 2:
            tensors = {"cls.weight": pooler["bert.pooler.dense.weight"], "cls.bias": pooler["bert.pooler.dense.bias"]}
            notes.append("BERT pooler (dense + tanh) written as cls.weight / cls.bias: the converter drops it")
    if family == "modernbert":
        eps = float(config.get("norm_eps", 1e-5))
        keys["modern-bert.attention.layer_norm_epsilon"] = eps
        notes.append(f"layer-norm epsilon {eps:g} written (the converter writes only the RMS-norm key)")
    return rename, tensors, keys, notes


def rewrite(src: Path, dst: Path, rename: dict[str, str], extra: dict[str, np.ndarray], keys: dict) -> None:
    """Copy every key and tensor of ``src`` to ``dst`` with tensors renamed, added (f32) and keys set."""
    import gguf

    reader = gguf.GGUFReader(str(src))
    arch = reader.fields[gguf.Keys.General.ARCHITECTURE].contents()
    writer = gguf.GGUFWriter(str(dst), arch=arch, endianess=reader.endianess)
    for field in reader.fields.values():
        if field.name == gguf.Keys.General.ARCHITECTURE or field.name.startswith("GGUF.") or field.name in keys:
            continue
        val_type = field.types[0]
        sub_type = field.types[-1] if val_type == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(field.name, field.contents(), val_type, sub_type=sub_type)
    for name, value in keys.items():
        if isinstance(value, list):
            writer.add_key_value(name, value, gguf.GGUFValueType.ARRAY, sub_type=gguf.GGUFValueType.STRING)
        else:
            writer.add_key_value(name, value, gguf.GGUFValueType.FLOAT32)
    names = {rename.get(t.name, t.name) for t in reader.tensors}
    if names & extra.keys():
        raise RuntimeError(f"{src.name} already has {sorted(names & extra.keys())}")
    for t in reader.tensors:
        writer.add_tensor_info(rename.get(t.name, t.name), t.data.shape, t.data.dtype, t.data.nbytes, t.tensor_type)
    arrays = {name: np.ascontiguousarray(a, dtype=np.float32) for name, a in extra.items()}
    for name, array in arrays.items():
        writer.add_tensor_info(name, array.shape, array.dtype, array.nbytes, gguf.GGMLQuantizationType.F32)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for t in reader.tensors:
        writer.write_tensor_data(t.data, tensor_endianess=reader.endianess)
    for array in arrays.values():
        writer.write_tensor_data(array)
    writer.close()


_QUANTIZE = """
import sys, llama_cpp
params = llama_cpp.llama_model_quantize_default_params()
params.ftype = getattr(llama_cpp, sys.argv[3])
params.nthread = int(sys.argv[4])
rc = llama_cpp.llama_model_quantize(sys.argv[1].encode(), sys.argv[2].encode(), params)
sys.exit(0 if rc == 0 else 3)
"""


def quantize(src: Path, dst: Path, precision: str, cancelled: Cancelled, threads: int = 0) -> None:
    """llama.cpp's own quantizer (llama-cpp-python's ``llama_model_quantize``) in a child process."""
    cmd = [sys.executable, "-c", _QUANTIZE, str(src), str(dst), FTYPES[precision], str(threads)]
    run_cancellable(cmd, cancelled, f"llama_model_quantize to {precision}")
