"""Read tensors from a transformers checkpoint's ``.safetensors`` files without torch (and never a pickle).

The safetensors format is an 8-byte little-endian header length, a JSON header mapping each tensor name to
``{"dtype", "shape", "data_offsets": [begin, end]}`` (offsets relative to the end of the header), then the raw
little-endian data. Reading it by hand keeps the ``safetensors`` package out of the app's dependencies.

Used for the classification head that CTranslate2's converter drops (``head_tensors``) and for the label count
of a config.json that does not state it (``head_labels``: transformers 5 writes no ``id2label`` for 2 labels).
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

from app.core.errors import ModelLoadError

_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32}
MAX_HEADER = 100 * 1024 * 1024
# the prefixes transformers puts before the encoder's own parameters; the head sits at the top level
_ENCODER_PREFIXES = ("bert.", "distilbert.", "roberta.", "electra.", "deberta.", "model.")
_HEAD_STARTS = ("classifier.", "pre_classifier.", "score.")
PICKLES = ("pytorch_model.bin", "model.pt", "pytorch_model.bin.index.json")


def read_header(path: Path) -> tuple[dict, int]:
    """(header without __metadata__, byte offset where tensor data starts)."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(8)
            if len(raw) != 8:
                raise ValueError("file shorter than 8 bytes")
            (size,) = struct.unpack("<Q", raw)
            if size > MAX_HEADER:
                raise ValueError(f"header of {size} bytes")
            header = json.loads(fh.read(size))
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"{path} is not a readable safetensors file ({exc}); re-download it.") from exc
    if not isinstance(header, dict):
        raise ModelLoadError(f"{path} has no safetensors header; re-download it.")
    header.pop("__metadata__", None)
    return header, 8 + size


def _decode(buf: bytes, dtype: str, shape: list[int], name: str) -> np.ndarray:
    if dtype == "BF16":  # bfloat16 = the high half of a float32
        half = np.frombuffer(buf, dtype="<u2").astype(np.uint32) << 16
        return half.view(np.float32).reshape(shape)
    if dtype not in _DTYPES:
        raise ModelLoadError(f"tensor {name} has dtype {dtype}, which this reader does not handle.")
    return np.frombuffer(buf, dtype=np.dtype(_DTYPES[dtype]).newbyteorder("<")).reshape(shape).astype(np.float32)


def read_tensors(path: Path, names: list[str]) -> dict[str, np.ndarray]:
    """The named tensors of one safetensors file, as float32 arrays."""
    header, start = read_header(path)
    out = {}
    with path.open("rb") as fh:
        for name in names:
            info = header[name]
            begin, end = info["data_offsets"]
            fh.seek(start + begin)
            buf = fh.read(end - begin)
            if len(buf) != end - begin:
                raise ModelLoadError(f"{path} is truncated (tensor {name}); re-download it.")
            out[name] = _decode(buf, info["dtype"], info["shape"], name)
    return out


def safetensors_files(folder: Path) -> list[Path]:
    """The checkpoint's safetensors files (one file, or the shards an index names)."""
    index = folder / "model.safetensors.index.json"
    if index.is_file():
        try:
            weight_map = json.loads(index.read_text(encoding="utf-8"))["weight_map"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelLoadError(f"{index} is not a valid safetensors index ({exc}); re-download it.") from exc
        return [folder / name for name in sorted(set(weight_map.values()))]
    single = folder / "model.safetensors"
    return [single] if single.is_file() else sorted(folder.glob("*.safetensors"))


def _head_name(name: str) -> str | None:
    for prefix in _ENCODER_PREFIXES:
        if name.startswith(prefix) and name[len(prefix):].startswith(_HEAD_STARTS):
            return name[len(prefix):]
    return name if name.startswith(_HEAD_STARTS) else None


def head_tensors(folder: Path) -> dict[str, np.ndarray]:
    """Classification-head tensors of the checkpoint in ``folder`` (HF names without the encoder prefix)."""
    files = safetensors_files(folder)
    if not files:
        pickles = [n for n in PICKLES if (folder / n).is_file()]
        why = (f" It has only a pickle checkpoint ({', '.join(pickles)}), which this app never loads: convert it "
               "to safetensors (transformers save_pretrained(..., safe_serialization=True)).") if pickles else ""
        raise ModelLoadError(f"No model.safetensors in {folder} to read the classification head from.{why}")
    out: dict[str, np.ndarray] = {}
    for path in files:
        header, _ = read_header(path)
        wanted = {name: short for name in header if (short := _head_name(name))}
        for name, array in read_tensors(path, list(wanted)).items():
            out[wanted[name]] = array
    if not out:
        raise ModelLoadError(f"The checkpoint in {folder} has no classification head (classifier.*): it is not a "
                             "cross-encoder reranker.")
    return out


def head_labels(folder: Path) -> int | None:
    """Output labels of the checkpoint's last head layer, from the safetensors header alone; None if unknown."""
    try:
        files = safetensors_files(folder)
        shapes = {}
        for path in files:
            header, _ = read_header(path)
            shapes.update({short: info.get("shape") for name, info in header.items()
                           if (short := _head_name(name)) and short.endswith("weight")})
    except ModelLoadError:
        return None
    for name in ("classifier.out_proj.weight", "classifier.weight", "score.weight"):
        shape = shapes.get(name)
        if isinstance(shape, list) and len(shape) == 2:
            return int(shape[0])
    return None
