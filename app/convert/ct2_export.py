"""CTranslate2 conversion with the stock ``TransformersConverter``, plus what it leaves out.

The converter keeps only the encoder of a cross-encoder, so the classification head is written beside
``model.bin`` as ``classifier_head.npz`` (HF parameter names, read by app/backends/ct2.py), with the model's
``config.json`` as ``hf_config.json`` and its ``tokenizer.json``. Decoder rerankers become a ``Generator``
(scored from the vocabulary logits, no head needed). Repairs: transformers 5 configs without
``position_embedding_type`` are refused by the converter, so it reads a staged copy that sets it.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import numpy as np

HEAD_PARAMS = {
    "bert": ("classifier.weight", "classifier.bias"),
    "xlm-roberta": ("classifier.dense.weight", "classifier.dense.bias", "classifier.out_proj.weight",
                    "classifier.out_proj.bias"),
    "distilbert": ("pre_classifier.weight", "pre_classifier.bias", "classifier.weight", "classifier.bias"),
}
HEAD_FILE = "classifier_head.npz"


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Like np.savez, but with fixed zip timestamps so regenerated files are byte-identical."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, array in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(array), allow_pickle=False)
            zf.writestr(zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0)), buf.getvalue())


def head_arrays(weights: dict[str, np.ndarray], family: str) -> dict[str, np.ndarray]:
    """The head tensors of ``family`` from a state dict (float32)."""
    out = {}
    for name in HEAD_PARAMS[family]:
        if name not in weights:
            raise KeyError(f"the checkpoint has no {name} (its classification head)")
        out[name] = np.asarray(weights[name], dtype=np.float32)
    return out


def read_safetensors(folder: Path, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Only ``names`` from the folder's safetensors files (single or sharded), as float32 NumPy arrays."""
    from safetensors import safe_open

    files = sorted(folder.glob("*.safetensors"))
    out: dict[str, np.ndarray] = {}
    for file in files:
        with safe_open(str(file), framework="pt") as fh:
            for key in fh.keys():
                bare = key.removeprefix("model.") if key.startswith("model.classifier") else key
                if bare in names:
                    out[bare] = fh.get_tensor(key).float().numpy()
    return out


def stage(source: Path, staging: Path) -> Path:
    """A folder the converter can read: links to the source files, config.json patched where needed."""
    staging.mkdir(parents=True, exist_ok=True)
    for item in source.iterdir():
        if item.is_file() and item.name != "config.json":
            (staging / item.name).symlink_to(item.resolve())
    config = json.loads((source / "config.json").read_text(encoding="utf-8"))
    if config.get("model_type") in ("bert", "roberta", "xlm-roberta", "camembert", "electra"):
        config.setdefault("position_embedding_type", "absolute")
    (staging / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    return staging


def convert(source: Path, out: Path, quantization: str, family: str, staging: Path) -> list[str]:
    """Write a CT2 model of ``source`` to ``out``; returns the notes (what was added beside the converter)."""
    import ctranslate2
    import transformers

    transformers.utils.logging.set_verbosity_error()  # its load report lists the head the converter drops
    staged = stage(source, staging)
    converter = ctranslate2.converters.TransformersConverter(str(staged), load_as_float16=False)
    converter.convert(str(out), quantization=quantization, force=True)
    shutil.copy(source / "tokenizer.json", out / "tokenizer.json")
    shutil.copy(source / "config.json", out / "hf_config.json")
    notes = ["hf_config.json and tokenizer.json copied beside model.bin"]
    if family in HEAD_PARAMS:
        arrays = head_arrays(read_safetensors(source, HEAD_PARAMS[family]), family)
        write_npz(out / HEAD_FILE, arrays)
        notes.append(f"classification head ({', '.join(arrays)}) written to {HEAD_FILE}: the converter drops it")
    return notes
