"""Read a GGUF file's key/values and tensor shapes (gguf-py), checking it is complete before llama.cpp sees it.

llama.cpp can abort the whole process on some malformed files; a truncated or corrupt file is reported here
as a clear error instead.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from app.core.errors import ModelLoadError


def _value(field) -> str:
    """A GGUF key's value as a string (arrays are summarised)."""
    from gguf import GGUFValueType

    if not field.types:
        return ""
    kind = field.types[0]
    if kind == GGUFValueType.ARRAY:
        return f"[{len(field.data)} items]"
    part = field.parts[field.data[0]]
    if kind == GGUFValueType.STRING:
        return bytes(part).decode("utf-8", errors="replace")
    return str(part.tolist()[0] if isinstance(part, np.ndarray) else part)


IDENTICAL_TOKEN_TYPES = "rerank_playground.token_types_identical"  # derived from the weights, not stored
TENSOR_TYPES = "rerank_playground.tensor_types"  # comma-separated lower-case ggml types of the weights


def _token_type_rows_identical(reader) -> bool:
    """True when every row of ``token_types.weight`` is the same vector: token types then change nothing.

    Such a model (the bundled starter is one) scores the same whether a runtime feeds types 0/1 or all 0s,
    so llama.cpp's all-zero token types cost no fidelity.
    """
    for t in reader.tensors:
        if t.name != "token_types.weight":
            continue
        if t.tensor_type.name not in ("F32", "F16"):
            return False
        rows = np.asarray(t.data, dtype=np.float32).reshape(-1, int(t.shape[0]))
        return len(rows) >= 2 and bool(np.all(rows == rows[0]))
    return False


def read_gguf(path: Path) -> tuple[dict[str, str], dict[str, tuple[int, ...]], str]:
    """(metadata, tensor shapes, precision) of a GGUF file."""
    try:
        from gguf import GGUFReader
    except ImportError as exc:  # pragma: no cover - gguf is a declared dependency
        raise ModelLoadError("The 'gguf' package is missing: pip install gguf") from exc
    try:
        reader = GGUFReader(str(path), "r")
    except Exception as exc:  # gguf-py raises ValueError/struct.error/IndexError on bad files
        raise ModelLoadError(f"{path.name} is not a valid GGUF file ({type(exc).__name__}: {exc}). It is corrupt "
                             "or was only partly downloaded: delete it and download it again.") from exc
    size = path.stat().st_size
    shapes: dict[str, tuple[int, ...]] = {}
    types: dict[str, int] = {}
    for t in reader.tensors:
        if t.data_offset + t.n_bytes > size:
            raise ModelLoadError(f"{path.name} is truncated (tensor {t.name} ends past the end of the file). "
                                 "Delete it and download it again.")
        shapes[t.name] = tuple(int(x) for x in t.shape)
        types[t.name] = t.tensor_type.name
    meta = {name: _value(field) for name, field in reader.fields.items() if not name.startswith("GGUF.")}
    if _token_type_rows_identical(reader):
        meta[IDENTICAL_TOKEN_TYPES] = "true"
    meta[TENSOR_TYPES] = ",".join(sorted({v.lower() for v in types.values()}))
    weight_types = [v for k, v in types.items() if k.endswith("attn_q.weight") or k.endswith("ffn_up.weight")]
    precision = max(set(weight_types), key=weight_types.count) if weight_types else "unknown"
    return meta, shapes, precision.lower()
