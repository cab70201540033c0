"""Attention/LayerNorm fusion for BERT-family fp32 ONNX files, with the fused file cached.

onnxruntime's transformer optimizer (``onnxruntime.transformers.optimizer``, needs the ``onnx`` and ``sympy``
packages) rewrites the attention subgraph of an eager-attention export into one ``Attention`` op and the
residual+LayerNorm pairs into ``SkipLayerNormalization``. Exports made with SDPA attention (the transformers 5
default) get no Attention fusion, so for those the original file runs and the reason is reported.

On CPU it is off unless asked for (``optimize=True``): measured on a MiniLM-L6 cross-encoder with onnxruntime
1.31 on a quiet machine, the fused graph ran at 0.87-0.97x the plain export (1 and 2 threads, 128 and 512 tokens)
and its worker's RSS was not lower; onnxruntime's own session-time optimizations (FusedMatMul, BiasGelu,
LayerNormalization) already cover the gain. On CUDA (the optimizer's main target) it is on by default.

The fused file is cached next to the source (``model.onnx`` -> ``model.onnx.fused``, a name that model-folder
scans for ``*.onnx`` never pick up) with a JSON sidecar keyed by the source's size and mtime; when the model
folder is read-only or inside the Hugging Face cache it goes to the app's cache folder instead.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from app.core.families import ModelFamily

log = logging.getLogger(__name__)

FUSABLE_ARCHITECTURES = {"bert", "roberta", "xlm-roberta", "camembert", "electra"}
COUNTED_OPS = ("Attention", "SkipLayerNormalization", "EmbedLayerNormalization")
SUFFIX = ".fused"
CACHE_VERSION = 1


@dataclass(frozen=True)
class GraphChoice:
    """The file that actually runs, and in words why."""

    path: Path
    fused: dict[str, int]
    note: str


def fusion_wanted(optimize: bool | None, device: str) -> bool:
    """``optimize`` as given, or the measured default: fuse on CUDA, not on CPU."""
    return (device != "cpu") if optimize is None else bool(optimize)


def choose_graph(path: Path, family: ModelFamily, config: dict, precision: str, enabled: bool | None = None,
                 device: str = "cpu") -> GraphChoice:
    """The optimized graph for ``path`` when fusion applies and is wanted, else ``path`` itself (with the reason)."""
    if not fusion_wanted(enabled, device):
        if enabled is None:
            return GraphChoice(path, {}, "plain graph (attention fusion is off by default on CPU: measured no "
                                         "faster there; bench --optimize compares)")
        return GraphChoice(path, {}, "graph optimization off")
    if family.kind != "encoder" or family.architecture not in FUSABLE_ARCHITECTURES:
        return GraphChoice(path, {}, f"no fusion for {family.architecture} (BERT-family encoders only)")
    if precision != "fp32":
        return GraphChoice(path, {}, f"{precision} file run as it is (fusion applies to fp32 exports)")
    heads, hidden = config.get("num_attention_heads"), config.get("hidden_size")
    if not isinstance(heads, int) or not isinstance(hidden, int):
        return GraphChoice(path, {}, "no fusion: config.json lacks num_attention_heads / hidden_size")
    target = cache_target(path, device)
    cached = _read_sidecar(path, target)
    if cached is None:
        try:
            cached = _optimize(path, target, heads, hidden, device)
        except ImportError as exc:
            return GraphChoice(path, {}, f"graph optimizer unavailable ({exc}); pip install onnx sympy")
        except Exception as exc:  # the optimizer raises assorted errors on graphs it does not understand
            log.warning("onnxruntime transformer optimizer failed on %s: %s", path, exc)
            return GraphChoice(path, {}, f"graph optimizer failed ({type(exc).__name__}); running the original")
    fused = {op: int(cached.get(op, 0)) for op in COUNTED_OPS}
    summary = ", ".join(f"{n} {op}" for op, n in fused.items() if n)
    if fused["Attention"] == 0:
        return GraphChoice(path, fused, "no attention fusion (SDPA export?): running the original file"
                           + (f" ({summary} would fuse)" if summary else ""))
    return GraphChoice(target, fused, f"fused: {summary} (cached {target.name})")


def cache_target(path: Path, device: str = "cpu") -> Path:
    """``model.onnx.fused`` beside the source when writable and outside the HF cache, else in the app cache."""
    name = path.name + SUFFIX + ("" if device == "cpu" else f".{device}")
    folder = path.parent
    if _is_hf_cache(path) or not os.access(folder, os.W_OK):
        from app.paths import cache_dir

        digest = hashlib.sha1(str(path.resolve()).encode("utf-8")).hexdigest()[:16]
        folder = cache_dir() / "onnx-fused"
        name = f"{digest}-{name}"
    return folder / name


def _is_hf_cache(path: Path) -> bool:
    parts = path.absolute().parts
    return "snapshots" in parts and any(p.startswith("models--") for p in parts)


def _source_key(path: Path) -> dict:
    st = path.stat()
    return {"version": CACHE_VERSION, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _read_sidecar(source: Path, target: Path) -> dict | None:
    sidecar = target.with_name(target.name + ".json")
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    fused = data.get("fused", {})
    if data.get("source") != _source_key(source) or (fused.get("Attention") and not target.is_file()):
        return None
    return fused


def _optimize(source: Path, target: Path, heads: int, hidden: int, device: str) -> dict:
    from onnxruntime.transformers.optimizer import optimize_model  # needs onnx + sympy

    log.info("fusing attention in %s (%d heads, hidden %d)", source, heads, hidden)
    # opt_level=0: fusion passes only (level 1+ first runs onnxruntime's own pass, which imports torch);
    # the session applies its own graph optimizations when it loads the fused file anyway.
    model = optimize_model(str(source), model_type="bert", num_heads=heads, hidden_size=hidden, opt_level=0,
                           use_gpu=device == "cuda")
    stats = model.get_fused_operator_statistics()
    fused = {op: int(stats.get(op, 0)) for op in COUNTED_OPS}
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    if fused["Attention"]:
        model.save_model_to_file(str(tmp))
        os.replace(tmp, target)
    # without Attention fusion nothing is worth running: only the verdict is remembered, in the sidecar
    sidecar = target.with_name(target.name + ".json")
    sidecar.write_text(json.dumps({"source": _source_key(source), "fused": fused}), encoding="utf-8")
    return fused
