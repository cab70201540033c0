"""Explicit registry of backends with lazy imports and a visible reason when one is unavailable."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import BackendUnavailableError, BadInputError
from app.core.limits import check_threads
from app.core.safe_files import check_regular
from app.core.types import BackendConfig


@dataclass(frozen=True)
class BackendInfo:
    name: str
    label: str
    module: str
    cls: str
    runtime_module: str
    pip_name: str
    formats: tuple[str, ...]
    also_requires: tuple[str, ...] = ()  # further modules the backend imports
    install_hint: str = ""  # replaces "pip install <pip_name>" when set


CONVERT_HINT_SOURCE = "Install it: pip install 'rerank-playground[convert]' (torch, transformers, onnx; about 1 GB)"
CONVERT_HINT_BUNDLE = (
    "The installed app leaves out torch and transformers (about 1 GB). Run the reference and 'convert' from a "
    "source install in its own virtual environment: python3 -m venv ~/rerank-convert && "
    "~/rerank-convert/bin/pip install 'rerank-playground[convert]', then ~/rerank-convert/bin/rerank-playground "
    "(it shares this app's models and catalogue)"
)


def convert_hint() -> str:
    """How to get torch + transformers: the pip command from source, what to do in a frozen bundle."""
    import sys

    return CONVERT_HINT_BUNDLE if getattr(sys, "frozen", False) else CONVERT_HINT_SOURCE


BACKENDS: dict[str, BackendInfo] = {
    "onnx": BackendInfo("onnx", "ONNX (onnxruntime)", "app.backends.onnx", "OnnxBackend", "onnxruntime",
                        "onnxruntime (or onnxruntime-gpu for CUDA)", (".onnx",)),
    "gguf": BackendInfo("gguf", "GGUF (llama.cpp)", "app.backends.llamacpp", "LlamaCppBackend", "llama_cpp",
                        "llama-cpp-python>=0.3.17", (".gguf",)),
    "ct2": BackendInfo("ct2", "CTranslate2", "app.backends.ct2", "CT2Backend", "ctranslate2", "ctranslate2",
                       ("model.bin",)),
    # A rerank server over HTTP (TEI, llama.cpp, vLLM, Infinity, Cohere/Jina, or `serve`); path = its URL.
    # Build its config with app.backends.remote.remote_config(url, api_style, api_key, model, family).
    "remote": BackendInfo("remote", "Remote server (HTTP)", "app.backends.remote", "RemoteBackend",
                          "urllib.request", "(Python standard library)", ()),
    # The transformers fp32 reference (safetensors checkpoints), from the optional `convert` extra.
    "torch": BackendInfo("torch", "Reference (transformers)", "app.backends.reference", "TorchBackend", "torch",
                         "rerank-playground[convert]", (".safetensors",), also_requires=("transformers",),
                         install_hint="convert"),
}

_extra: dict[str, type] = {}


def register(name: str, cls: type) -> None:
    """Register an additional backend class (tests, plugins)."""
    _extra[name] = cls


def names() -> list[str]:
    return [*BACKENDS, *_extra]


def unavailable_reason(name: str) -> str | None:
    """None when the backend can be used, else why not (with the command that fixes it)."""
    if name in _extra:
        return None
    info = BACKENDS.get(name)
    if info is None:
        return f"Unknown backend '{name}'. Choose one of: {', '.join(names())}."
    for module in (info.runtime_module, *info.also_requires):
        try:
            importlib.import_module(module)
        except Exception as exc:  # ImportError, or a broken native library (OSError)
            fix = convert_hint() if info.install_hint == "convert" else f"Install it: pip install {info.pip_name}"
            return f"{info.label} is not available: {module} failed to import ({exc}). {fix}"
    return None


def installed(name: str) -> bool:
    """Whether the backend's packages are installed, found without importing them (the GUI process must not
    import torch just to know whether a Reference column can be offered)."""
    import importlib.util

    if name in _extra:
        return True
    info = BACKENDS.get(name)
    if info is None:
        return False
    try:
        return all(importlib.util.find_spec(m) is not None for m in (info.runtime_module, *info.also_requires))
    except (ImportError, ValueError):
        return False


def availability() -> dict[str, str | None]:
    return {n: unavailable_reason(n) for n in names()}


def backend_class(name: str) -> type:
    if name in _extra:
        return _extra[name]
    if name not in BACKENDS:
        raise BadInputError(f"Unknown backend '{name}'. Choose one of: {', '.join(names())}.")
    reason = unavailable_reason(name)
    if reason:
        raise BackendUnavailableError(reason)
    info = BACKENDS[name]
    return getattr(importlib.import_module(info.module), info.cls)


def check_artifact_path(config: BackendConfig) -> None:
    """A model path (and ``file`` inside it) that exists must be a folder or a regular file: a runtime opening
    a FIFO would wait forever, and a device would read without end."""
    target = Path(config.path).expanduser()
    if config.file:
        target = target / config.file
    if (target.exists() or target.is_symlink()) and not target.is_dir():
        check_regular(target, "Model file")


def load(config: BackendConfig):
    """Load one artifact on one backend; raises a PlaygroundError subclass with a clear message."""
    if config.device not in ("cpu", "cuda"):
        raise BadInputError(f"Unknown device '{config.device}': choose cpu or cuda.")
    check_threads(config.threads, "threads")  # GUI columns and every command: a runtime never sees 100000
    if config.backend != "remote":
        check_artifact_path(config)
    return backend_class(config.backend)(config)
