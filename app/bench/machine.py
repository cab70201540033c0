"""What a benchmark ran on: CPU model, cores, the vector extensions int8 kernels depend on, load, runtime versions.

Numbers from two machines are not comparable (docs/bench.md has a CPU on which the llama.cpp ratio was 1.7x and
another on which the same code gave 2.7x), so every report says which machine it is from.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

from app.core.about import package_versions

# Extensions that decide which int8 / fp16 kernels onnxruntime, CTranslate2 and ggml pick.
ISA_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_int8", "asimd", "sve")


def _cpuinfo(path: Path = Path("/proc/cpuinfo")) -> tuple[str, set[str]]:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "", set()
    model, flags = "", set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "model name" and not model:
            model = value.strip()
        elif key in ("flags", "Features") and not flags:
            flags = set(value.split())
    return model, flags


def describe(cpuinfo: Path = Path("/proc/cpuinfo")) -> dict:
    model, flags = _cpuinfo(cpuinfo)
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = os.cpu_count() or 1
    try:
        load = round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        load = None
    return {
        "cpu": model or platform.processor() or platform.machine(),
        "logical_cores": os.cpu_count() or 1,
        "usable_cores": usable,
        "isa": [f for f in ISA_FLAGS if f in flags],
        "load_1min": load,
        "system": f"{platform.system()} {platform.machine()}",
        "python": platform.python_version(),
        "packages": package_versions(),
    }


def format_machine(info: dict) -> str:
    isa = ", ".join(info["isa"]) or "no AVX2/AVX-512/NEON flags read"
    load = "" if info["load_1min"] is None else f" · load {info['load_1min']}"
    cores = f"{info['usable_cores']} of {info['logical_cores']} cores" \
        if info["usable_cores"] != info["logical_cores"] else f"{info['logical_cores']} cores"
    packages = ", ".join(f"{k} {v}" for k, v in info["packages"].items()
                         if k in ("onnxruntime", "onnxruntime-gpu", "llama-cpp-python", "ctranslate2"))
    return f"machine: {info['cpu']} · {cores} · {isa}{load}\nruntimes: {packages or 'none found'}"
