"""Whether llama.cpp may repack GGUF weights into its extra CPU buffer types (AMX, CPU_REPACK).

On Intel Xeon CPUs with AMX (Sapphire Rapids and later), a llama.cpp built with AMX support repacks quantized
weights (q4_0, q4_1, q8_0, q4_K, q5_K, q6_K, iq4_xs) into the AMX buffer type at load, and the first
``llama_decode`` then segfaults in ``ggml_backend_amx_mul_mat`` (ggml-org/llama.cpp#20824; seen here with the
bundled q8_0 starter). ``llama_model_params.use_extra_bufts = False`` avoids it. The same switch also turns off
the AVX2/AVX-512 ``CPU_REPACK`` layouts that make q4_0/q4_K/iq4_nl faster on every other x86 CPU, so it is
turned off only where the crash can happen: an AMX CPU, a llama.cpp build with AMX kernels (or one that cannot
say), and a model holding a tensor type that has AMX kernels. f16/f32 files keep repacking everywhere.

``RERANK_PLAYGROUND_GGUF_REPACK`` = ``auto`` (default) | ``on`` | ``off`` overrides the decision.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV = "RERANK_PLAYGROUND_GGUF_REPACK"
# ggml-cpu/amx/common.h: qtype_has_amx_kernels
AMX_TYPES = frozenset({"q4_0", "q4_1", "q8_0", "q4_k", "q5_k", "q6_k", "iq4_xs"})
AMX_FLAGS = ("amx_int8", "amx_tile")


@dataclass(frozen=True)
class RepackDecision:
    use_extra_bufts: bool
    reason: str  # empty when repacking stays on for the ordinary reasons


def cpu_has_amx(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool | None:
    """True/False from the CPU's flags (Linux); None where /proc/cpuinfo cannot be read (other systems)."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("flags"):
            flags = set(line.partition(":")[2].split())
            return any(f in flags for f in AMX_FLAGS)
    return None


def build_has_amx(system_info: str | None) -> bool | None:
    """From ``llama_print_system_info()``: does this llama.cpp have AMX kernels compiled in? None if unknown."""
    if not system_info:
        return None
    return "AMX_INT8 = 1" in system_info


def decide(tensor_types: set[str], cpu_amx: bool | None, build_amx: bool | None,
           override: str | None = None) -> RepackDecision:
    """The loading rule, pure so it is tested on any CPU (see the module docstring)."""
    choice = (override or "auto").strip().lower()
    if choice in ("off", "0", "no", "false"):
        return RepackDecision(False, f"weight repacking off ({ENV}={override})")
    if choice in ("on", "1", "yes", "true"):
        return RepackDecision(True, "")
    amx_types = sorted({t.lower() for t in tensor_types} & AMX_TYPES)
    if not amx_types:
        return RepackDecision(True, "")
    # the CPU's word decides; where it cannot be read, trust the build (an AMX build repacks only on AMX CPUs)
    amx_cpu = cpu_amx if cpu_amx is not None else build_amx
    if amx_cpu and build_amx is not False:
        return RepackDecision(False, (f"weight repacking off: this CPU has AMX and llama.cpp's AMX kernels crash "
                                      f"on {'/'.join(amx_types)} weights (ggml-org/llama.cpp#20824)"))
    return RepackDecision(True, "")


def decide_for(tensor_types: set[str], system_info: str | None) -> RepackDecision:
    """``decide`` for this machine and the environment override."""
    return decide(tensor_types, cpu_has_amx(), build_has_amx(system_info), os.environ.get(ENV))


def system_info(llama_cpp) -> str | None:
    """llama.cpp's feature line ("AVX512 = 1 | AMX_INT8 = 1 | ..."), or None when this build cannot say."""
    try:
        raw = llama_cpp.llama_print_system_info()
    except Exception:  # noqa: BLE001 - an old binding without it: decide from the CPU alone
        return None
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def _params_without_extra_bufts(lib):
    original = lib.llama_model_default_params

    def params():
        p = original()
        p.use_extra_bufts = False
        return p

    return original, params


def open_llama(llama_cpp, path: str, tensor_types: set[str] | None = None, **kwargs):
    """``llama_cpp.Llama(path, **kwargs)`` with weight repacking decided by ``decide_for``.

    Returns ``(llm, decision)``. ``Llama`` takes no ``use_extra_bufts`` argument, so its
    ``llama_model_default_params`` is wrapped for the duration of the load (a worker process loads one model at
    a time, nothing else builds model params meanwhile).
    """
    if tensor_types is None:
        from app.backends.gguf_meta import TENSOR_TYPES, read_gguf

        tensor_types = set(filter(None, read_gguf(Path(path))[0].get(TENSOR_TYPES, "").split(",")))
    decision = decide_for(tensor_types, system_info(llama_cpp))
    lib = llama_cpp.llama_cpp
    fields = {name for name, *_ in getattr(lib.llama_model_params, "_fields_", ())}
    if decision.use_extra_bufts or "use_extra_bufts" not in fields:
        if not decision.use_extra_bufts:  # an old binding: the switch does not exist, say so
            decision = RepackDecision(True, decision.reason + " was wanted, but this llama-cpp-python has no "
                                      "use_extra_bufts switch: update it (>= 0.3.16)")
        return llama_cpp.Llama(model_path=path, **kwargs), decision
    original, patched = _params_without_extra_bufts(lib)
    lib.llama_model_default_params = patched
    try:
        return llama_cpp.Llama(model_path=path, **kwargs), decision
    finally:
        lib.llama_model_default_params = original
