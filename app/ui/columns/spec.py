"""Helpers around a column's spec (``app.core.serialize.ColumnSpec``: name, BackendConfig, ScoreOptions)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from app.core.serialize import ColumnSpec
from app.core.types import BackendConfig, ScoreOptions

BACKEND_LABELS = {"onnx": "ONNX", "gguf": "GGUF", "ct2": "CT2", "torch": "Reference"}
REFERENCE_BACKEND = "torch"  # the transformers fp32 reference: drift and rank arrows compare with it by default


def is_reference(cfg: BackendConfig) -> bool:
    return cfg.backend == REFERENCE_BACKEND

__all__ = ["ColumnSpec", "default_name", "new_spec", "run_options"]


def default_name(cfg: BackendConfig) -> str:
    """Short header text, e.g. 'starter · ONNX model_quantized · CPU' or 'rerank-v1 · host:8080 · Remote tei'."""
    if cfg.backend == "remote":
        from urllib.parse import urlsplit

        host = urlsplit(cfg.path).netloc or cfg.path
        return " · ".join(p for p in (cfg.remote_model, host, f"Remote {cfg.api_style or 'auto'}") if p)
    base = Path(cfg.path)
    is_file = base.suffix in (".onnx", ".gguf") or base.is_file()
    model = base.parent.name if is_file else base.name
    artifact = Path(cfg.file).name if cfg.file else (base.stem if is_file else "")
    artifact = artifact.removesuffix(".onnx").removesuffix(".gguf")
    if is_reference(cfg):
        artifact = "(transformers)"
    if cfg.compute_type:
        artifact = f"{artifact} {cfg.compute_type}".strip()
    kind = BACKEND_LABELS.get(cfg.backend, cfg.backend)
    return " · ".join(p for p in (model, f"{kind} {artifact}".strip(), cfg.device.upper()) if p)


def new_spec(config: BackendConfig, options: ScoreOptions | None = None, name: str | None = None) -> ColumnSpec:
    return ColumnSpec(name or default_name(config), config, options or ScoreOptions())


def run_options(spec: ColumnSpec, instruction: str | None) -> ScoreOptions:
    """The column's options with the query panel's instruction (only for instruction-aware models)."""
    return replace(spec.options, instruction=instruction or spec.options.instruction or None)
