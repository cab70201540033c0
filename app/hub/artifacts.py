"""Group a repo's files into artifacts: one loadable model each (GGUF file, ONNX file, CT2 folder, safetensors).

Pure functions over a file list, used for remote repos (the Hub's tree listing) and for snapshots on disk alike.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from app.hub.safety import CT2_WEIGHTS, is_pickle, unsafe_reason

FORMATS = ("gguf", "onnx", "ct2", "safetensors")
CT2_HEAD = "classifier_head.npz"
TOKENIZER_EXTRAS = ("tokenizer_config.json", "special_tokens_map.json")
CONVERT_NOTE = "convert first: no runtime here loads safetensors (export to ONNX, GGUF or CT2)"

_GGUF_QUANT = re.compile(
    r"(?:^|[-_.])((?:I|T)?Q\d(?:_(?:\d+|K|S|M|L|XS|XXS|NL))*|BF16|F16|F32|FP16|FP32|MXFP4)(?=[-_.]|$)",
    re.IGNORECASE)
_GGUF_SHARD = re.compile(r"-(\d{5})-of-(\d{5})\.gguf$", re.IGNORECASE)
_ST_SHARD = re.compile(r"-\d{5}-of-\d{5}\.safetensors$")
_CT2_TYPES = ("int8_float16", "int8_bfloat16", "int8_float32", "int8", "int16", "bfloat16", "float16", "float32")
_ONNX_QUANT = (  # (substring of the lower-case stem, label); first match wins
    ("qint8_avx512_vnni", "int8 (avx512-vnni)"), ("qint8_avx512", "int8 (avx512)"), ("quint8_avx2", "uint8 (avx2)"),
    ("qint8_arm64", "int8 (arm64)"), ("_o1", "O1"), ("_o2", "O2"), ("_o3", "O3"), ("_o4", "O4 (fp16)"),
    ("bnb4", "bnb4"), ("q4f16", "q4 (fp16)"), ("_q4", "q4"), ("uint8", "uint8"), ("int8", "int8"),
    ("quantized", "int8"), ("fp16", "fp16"), ("float16", "fp16"),
)


@dataclass(frozen=True)
class HubFile:
    """One file of a repo: path inside the repo, size, and the hashes the Hub publishes for it."""

    path: str
    size: int
    sha256: str | None = None  # LFS files: sha256 of the content (tree listing ``lfs.oid``)
    git_oid: str | None = None  # every file: git blob sha1


@dataclass(frozen=True)
class Artifact:
    """Everything one backend needs to load one model variant."""

    format: str  # one of FORMATS
    name: str  # the weights file, or the CT2 folder ('' = repo root)
    quant: str  # Q8_0, F16, fp32, int8 (avx512-vnni), int8_float16 ...
    weights: tuple[str, ...]  # the model's own files (GGUF shards, ONNX + external data, CT2 folder files)
    side_files: tuple[str, ...]  # config, tokenizer and friends, shared with other artifacts of the repo
    size: int
    backends: tuple[str, ...]
    notes: tuple[str, ...] = ()

    @property
    def files(self) -> tuple[str, ...]:
        return self.weights + self.side_files

    @property
    def runnable(self) -> bool:
        return bool(self.backends)

    @property
    def label(self) -> str:
        return f"{self.format.upper()} {self.quant} · {self.name or '(repo root)'}"

    def matches(self, text: str) -> bool:
        """True when ``text`` names this artifact: its file or folder, or one of its weight files."""
        text = text.strip("/")
        return text == self.name or text in self.weights


@dataclass(frozen=True)
class Grouping:
    artifacts: tuple[Artifact, ...]
    skipped: tuple[str, ...] = field(default=())  # "name: reason" for pickle and unsafe files


def gguf_quant(name: str) -> str:
    stem = re.sub(r"(-\d{5}-of-\d{5})?\.gguf$", "", posixpath.basename(name), flags=re.IGNORECASE)
    found = _GGUF_QUANT.findall(stem)
    return found[-1].upper() if found else "unknown"


def onnx_quant(name: str) -> str:
    stem = posixpath.basename(name).lower().removesuffix(".onnx")
    for key, label in _ONNX_QUANT:
        if key in stem:
            return label
    return "fp32" if stem in ("model", "onnx") else stem


def ct2_quant(folder: str) -> str:
    last = posixpath.basename(folder).lower().replace("-", "_")
    for ct in _CT2_TYPES:
        if ct in last:
            return ct
    return "as converted"


def _nearest(paths: set[str], folder: str, name: str) -> str | None:
    """``name`` in ``folder`` or the closest folder above it (how the loaders look for config/tokenizer)."""
    while True:
        candidate = posixpath.join(folder, name) if folder else name
        if candidate in paths:
            return candidate
        if not folder:
            return None
        folder = posixpath.dirname(folder)


def _side_files(paths: set[str], folder: str, notes: list[str], need_config: bool = True) -> list[str]:
    out: list[str] = []
    for name, required in (("config.json", need_config), ("tokenizer.json", True)):
        found = _nearest(paths, folder, name)
        if found:
            out.append(found)
        elif required:
            notes.append(f"no {name} in the repo: cannot run here")
    for name in (*TOKENIZER_EXTRAS, "README.md"):
        found = _nearest(paths, folder, name)
        if found:
            out.append(found)
    return out


def _make(fmt: str, name: str, quant: str, weights: list[str], side: list[str], sizes: dict[str, int],
          backends: tuple[str, ...], notes: list[str]) -> Artifact:
    side = [f for f in dict.fromkeys(side) if f not in weights]
    if any(n.endswith("cannot run here") for n in notes):
        backends = ()
    size = sum(sizes[f] for f in [*weights, *side])
    return Artifact(fmt, name, quant, tuple(weights), tuple(side), size, backends, tuple(notes))


def _gguf(paths: set[str], sizes: dict[str, int]) -> list[Artifact]:
    out = []
    for path in sorted(p for p in paths if p.lower().endswith(".gguf")):
        base = posixpath.basename(path).lower()
        if base.startswith("mmproj"):
            continue
        shard = _GGUF_SHARD.search(path)
        if shard and shard.group(1) != "00001":
            continue
        weights = [path]
        if shard:
            prefix = path[: shard.start()]
            weights = sorted(p for p in paths if p.startswith(prefix) and _GGUF_SHARD.search(p))
        out.append(_make("gguf", path, gguf_quant(path), weights, [], sizes, ("gguf",), []))
    return out


def _onnx(paths: set[str], sizes: dict[str, int]) -> list[Artifact]:
    out = []
    for path in sorted(p for p in paths if p.lower().endswith(".onnx")):
        folder = posixpath.dirname(path)
        data = sorted(p for p in paths if posixpath.dirname(p) == folder and p != path and p.startswith(path)
                      and not p.endswith(".onnx"))
        notes: list[str] = []
        side = _side_files(paths, folder, notes)
        out.append(_make("onnx", path, onnx_quant(path), [path, *data], side, sizes, ("onnx",), notes))
    return out


def _ct2(paths: set[str], sizes: dict[str, int]) -> list[Artifact]:
    out = []
    for weights in sorted(p for p in paths if posixpath.basename(p) == CT2_WEIGHTS):
        folder = posixpath.dirname(weights)
        own = sorted(p for p in paths if posixpath.dirname(p) == folder and p != weights
                     and p.endswith((".json", ".npz", ".txt", ".model")) and not p.endswith(".index.json"))
        notes: list[str] = []
        side = _side_files(paths, folder, notes, need_config=False)
        if folder and (posixpath.join(folder, "hf_config.json") not in paths):
            parent_cfg = _nearest(paths, posixpath.dirname(folder), "config.json")
            side += [parent_cfg] if parent_cfg else []
        head = posixpath.join(folder, CT2_HEAD) if folder else CT2_HEAD
        checkpoint = _nearest(paths, posixpath.dirname(folder), "model.safetensors") if folder else None
        if head not in paths and checkpoint:
            side.append(checkpoint)  # the head CT2 drops is read from the checkpoint's safetensors
            notes.append(f"no {CT2_HEAD}: an encoder's classification head is read from {checkpoint}")
        elif head not in paths:
            notes.append(f"no {CT2_HEAD}: CTranslate2 drops the classification head, so an encoder "
                         "cross-encoder cannot score from this folder (decoder rerankers can)")
        out.append(_make("ct2", folder, ct2_quant(folder), [weights, *own], side, sizes, ("ct2",), notes))
    return out


def _safetensors(paths: set[str], sizes: dict[str, int]) -> list[Artifact]:
    by_folder: dict[str, list[str]] = {}
    for p in sorted(paths):
        if p.endswith((".safetensors", ".safetensors.index.json")):
            by_folder.setdefault(posixpath.dirname(p), []).append(p)
    out = []
    for folder, weights in by_folder.items():
        if not any(w.endswith(".safetensors") for w in weights):
            continue
        main = next((w for w in weights if not _ST_SHARD.search(w) and w.endswith(".safetensors")), weights[0])
        notes = [CONVERT_NOTE]
        side = _side_files(paths, folder, notes)
        out.append(_make("safetensors", main, "weights", weights, side, sizes, (), notes))
    return out


def group(files: Iterable[HubFile]) -> Grouping:
    """All artifacts in a file list, in FORMATS order; pickle and unsafe names are skipped with a reason."""
    sizes: dict[str, int] = {}
    skipped: list[str] = []
    for f in files:
        reason = unsafe_reason(f.path)
        if reason:
            skipped.append(f"{f.path!r}: unsafe file name ({reason}), ignored")
        elif is_pickle(f.path):
            skipped.append(f"{f.path}: pickle file, never downloaded or loaded")
        else:
            sizes[f.path] = f.size
    paths = set(sizes)
    artifacts = [*_gguf(paths, sizes), *_onnx(paths, sizes), *_ct2(paths, sizes), *_safetensors(paths, sizes)]
    return Grouping(tuple(artifacts), tuple(skipped))
