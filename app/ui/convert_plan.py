"""What the Convert dialog needs before it starts, without torch: the formats the family allows (the rules of
``app.convert.formats``), the parameter count read from the safetensors headers, the size of every artifact
(parameters × bytes per weight), the free disk space, whether the `convert` extra is installed, and the
command line of the conversion subprocess (the GUI process never imports torch)."""

from __future__ import annotations

import importlib.util
import json
import shutil
import struct
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.convert.formats import TARGETS, Target, default_warning, skip_reason
from app.core.errors import BadInputError
from app.core.families import ModelFamily, read_config

# bytes per weight of each precision (GGUF k-quants by their bits per weight: q8_0 8.5, q4_k_m ~4.9)
BYTES_PER_WEIGHT = {"fp32": 4.0, "f32": 4.0, "fp16": 2.0, "f16": 2.0, "int8": 1.0, "int8_float16": 1.0,
                    "q8_0": 8.5 / 8, "q4_k": 4.9 / 8}
HEADROOM = 1.1  # tokenizer and config copies, ONNX graph, GGUF vocabulary: 10 % on top of the weights
EXTRA_MODULES = ("torch", "transformers", "onnx")


@dataclass(frozen=True)
class FormatChoice:
    target: Target
    enabled: bool  # False: the format cannot represent this family (reason says why)
    checked: bool  # pre-checked: the family's faithful default
    reason: str  # why disabled, or why not checked by default ("" for a faithful default)


def choices(family: ModelFamily, config: dict) -> list[FormatChoice]:
    """Every format of ``convert --to`` with the family's rules: faithful defaults checked, the others why."""
    out = []
    for target in TARGETS.values():
        skip = skip_reason(family, target, config)
        warn = None if skip else default_warning(family, target, config)
        out.append(FormatChoice(target, skip is None, skip is None and warn is None, skip or warn or ""))
    return out


def _dtype_size(dtype: str) -> int:
    return {"F64": 8, "I64": 8, "F32": 4, "I32": 4, "F16": 2, "BF16": 2, "I16": 2, "I8": 1, "U8": 1,
            "BOOL": 1}.get(dtype, 4)


def parameter_count(folder: Path) -> int:
    """Number of weights in the folder's *.safetensors files, read from their JSON headers (no tensor data)."""
    files = sorted(folder.glob("*.safetensors"))
    if not files:
        raise BadInputError(f"{folder} has no .safetensors weights: convert reads model.safetensors.")
    total = 0
    for path in files:
        with path.open("rb") as fh:
            head = fh.read(8)
            if len(head) != 8:
                raise BadInputError(f"{path}: not a safetensors file (shorter than its header).")
            (length,) = struct.unpack("<Q", head)
            try:
                header = json.loads(fh.read(length))
            except (ValueError, UnicodeDecodeError) as exc:
                raise BadInputError(f"{path}: unreadable safetensors header ({exc}).") from exc
        for name, info in header.items():
            if name != "__metadata__":
                begin, end = info["data_offsets"]
                total += (end - begin) // _dtype_size(info.get("dtype", "F32"))
    return total


def estimate(target: Target, params: int) -> int:
    return int(params * BYTES_PER_WEIGHT[target.precision] * HEADROOM)


def needed_bytes(targets: list[Target], params: int) -> int:
    """Disk the conversion needs: every artifact, plus the fp32 ONNX / f32 GGUF it quantizes from when that
    one is not kept (built in the temporary folder beside the artifacts)."""
    names = {t.name for t in targets}
    total = sum(estimate(t, params) for t in targets)
    for runtime, base in (("onnx", "onnx:fp32"), ("gguf", "gguf:f32")):
        if base not in names and any(t.runtime == runtime for t in targets):
            total += estimate(TARGETS[base], params)
    return total


def free_bytes(folder: Path) -> int:
    """Free space where ``folder`` is (or would be created)."""
    probe = folder.absolute()
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    return shutil.disk_usage(probe).free


def space_problem(needed: int, free: int, out: Path) -> str | None:
    if needed <= free:
        return None
    return (f"Not enough disk space in {out}: the chosen formats need about {human(needed)}, "
            f"{human(free)} is free. Uncheck some formats or free space, then Convert.")


def human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def missing_extra(find: Callable[[str], object] = importlib.util.find_spec) -> str | None:
    """Why convert cannot run here (the `convert` extra is missing, with how to get it), or None. Looks the
    modules up without importing them: torch never enters the GUI process."""
    from app.backends.registry import convert_hint

    missing = [m for m in EXTRA_MODULES if find(m) is None]
    if not missing:
        return None
    return f"Convert needs torch, transformers and onnx ({', '.join(missing)} not installed). {convert_hint()}"


def default_out(name: str) -> Path:
    from app.paths import app_home

    return app_home() / "converted" / name


def read_family(folder: Path) -> tuple[ModelFamily, dict]:
    from app.backends.artifacts import family_for

    return family_for(folder, None), read_config(folder)


def command(src: str, targets: list[Target], out: Path) -> list[str]:
    """The conversion subprocess: this interpreter running the CLI (a frozen bundle is its own CLI)."""
    args = ["convert", src, "--to", ",".join(t.name for t in targets), "--out", str(out), "--json",
            "--progress-json"]
    if getattr(sys, "frozen", False):
        return [sys.executable, *args]
    return [sys.executable, "-m", "app.cli", *args]
