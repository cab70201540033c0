"""What each runtime can use on this machine (CUDA detection), without loading a model."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DeviceSupport:
    backend: str
    cuda: bool
    detail: str


def _onnx() -> DeviceSupport:
    import onnxruntime as ort

    providers = ort.get_available_providers()
    cuda = "CUDAExecutionProvider" in providers
    return DeviceSupport("onnx", cuda, f"onnxruntime {ort.__version__}; providers: {', '.join(providers)}"
                         + ("" if cuda else " (install onnxruntime-gpu for CUDA)"))


def _ct2() -> DeviceSupport:
    import ctranslate2

    n = ctranslate2.get_cuda_device_count()
    types = ", ".join(sorted(ctranslate2.get_supported_compute_types("cuda" if n else "cpu")))
    return DeviceSupport("ct2", n > 0, f"ctranslate2 {ctranslate2.__version__}; {n} CUDA device(s); "
                         f"compute types: {types}")


def _gguf() -> DeviceSupport:
    import llama_cpp

    gpu = bool(llama_cpp.llama_supports_gpu_offload())
    return DeviceSupport("gguf", gpu, f"llama-cpp-python {llama_cpp.__version__}; GPU offload "
                         + ("available" if gpu else "not built in (CMAKE_ARGS=-DGGML_CUDA=on)"))


def device_report() -> list[DeviceSupport]:
    """One line per runtime; a runtime that fails to import is reported, not raised."""
    out = []
    for name, probe in (("onnx", _onnx), ("gguf", _gguf), ("ct2", _ct2)):
        try:
            out.append(probe())
        except Exception as exc:  # a missing or broken runtime is a report line, not a crash
            out.append(DeviceSupport(name, False, f"unavailable: {exc}"))
    return out
