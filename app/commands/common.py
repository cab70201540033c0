"""Helpers shared by CLI commands: model resolution, progress bars, error printing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.core.errors import BadInputError
from app.core.families import PROMPT_FORMATS
from app.core.limits import check_threads
from app.core.safe_files import check_regular
from app.paths import starter_model_dir

LOCAL_BACKENDS = ("onnx", "gguf", "ct2", "torch")  # torch: the transformers reference (the `convert` extra)


def add_model_args(p: argparse.ArgumentParser, backend_required: bool = False,
                   extra_backends: tuple[str, ...] = (), backend_list: bool = False) -> None:
    """Model/backend/device options; ``backend_list`` takes a comma-separated list (checked by the command)."""
    p.add_argument("--model", help="model folder or file (default: the bundled starter model)")
    p.add_argument("--backend", choices=None if backend_list else [*LOCAL_BACKENDS, *extra_backends],
                   default=None if backend_required else "onnx", required=backend_required,
                   help="inference runtime(s): onnx, gguf, ct2, or torch (the transformers reference on the "
                   "safetensors checkpoint)" + (", comma-separated" if backend_list else "") + " (default: onnx)")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--file", help="artifact inside the model folder, e.g. onnx/model_qint8_avx512.onnx")
    p.add_argument("--threads", type=int, default=0, help="runtime threads: 0 = the runtime's choice (default), else 1 to 4 × the CPUs")
    p.add_argument("--compute-type", help="CT2 compute type: int8, int8_float16, float16, float32")
    p.add_argument("--n-gpu-layers", type=int, default=-1, help="llama.cpp layers to offload with --device cuda")
    p.add_argument("--family", help="override the detected model family (e.g. qwen3-reranker)")
    p.add_argument("--prompt-format", choices=sorted(PROMPT_FORMATS),
                   help="decoder rerankers: the prompt layout to use instead of the detected one (e.g. dear for a "
                        "Llama seq-cls model whose card was not found)")
    add_runtime_args(p)


def add_runtime_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--checkpoint", metavar="DIR", help="CT2: the original transformers checkpoint (config.json, "
                   "tokenizer.json, model.safetensors) of a folder made by ct2-transformers-converter that does not "
                   "sit inside it")
    p.add_argument("--batch-dynamic-int8", action="store_true", help=BATCH_DYNAMIC_HELP)


BATCH_DYNAMIC_HELP = ("ONNX dynamic int8 graphs and CTranslate2 int8 on CPU: batch pairs (faster, but each score "
                      "then depends on the other documents in its batch; default: one pair per run)")


def check_common_args(args: argparse.Namespace) -> None:
    """Checks shared by every command, before anything loads (called by ``app.cli`` after parsing)."""
    if getattr(args, "threads", None) is not None and not isinstance(args.threads, str):
        check_threads(args.threads, "--threads")


def resolve_model(model: str | None, file: str | None, backend: str) -> tuple[str, str | None]:
    """A local path (file or folder), or the starter model's artifact for ``backend`` when none is given."""
    if not model:
        starter = starter_model_dir()
        if starter is None:
            raise BadInputError("No --model given and the starter model is not installed; pass --model PATH.")
        if backend not in STARTER_FILES:
            raise BadInputError(f"The starter model has no artifact for the '{backend}' backend (it ships no "
                                "safetensors weights); pass --model with a transformers folder or a Hub repo id.")
        return str(starter), file or STARTER_FILES[backend]
    path = Path(model).expanduser()
    if path.exists() or path.is_symlink():
        if not path.is_dir():
            check_regular(path, "--model")  # a FIFO would block the runtime's first read forever
        return model, file
    from app.commands import hub_resolve

    return hub_resolve.resolve(model, file, backend)


STARTER_FILES = {"onnx": "onnx/model_quantized.onnx", "gguf": "gguf/model-q8_0.gguf", "ct2": "ct2-int8"}


def progress_bar(desc: str, unit: str = "pair"):
    """A tqdm bar on stderr (hidden when stderr is not a terminal); returns a ``(done, total)`` callback."""
    from tqdm import tqdm

    bar = tqdm(desc=desc, unit=unit, file=sys.stderr, disable=None, leave=False, dynamic_ncols=True)

    def update(done: int, total: int) -> None:
        if bar.total != total:
            bar.total = total
            bar.refresh()
        bar.update(done - bar.n)

    update.close = bar.close  # type: ignore[attr-defined]
    return update
