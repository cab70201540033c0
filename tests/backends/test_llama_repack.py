"""Weight repacking on Intel AMX CPUs: llama.cpp's AMX kernels segfault on q8_0 (and other quantized) weights,
so the backend loads such files with ``use_extra_bufts = False`` there, and only there (issue 13 §1).

The rule is pure and tested on any CPU; the load tests check that the switch really reaches the
``llama_model_params`` llama.cpp is given, and that scores do not change with it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.backends import llama_repack as R

XEON_FLAGS = "flags\t\t: fpu vme avx512f avx512_vnni amx_bf16 avx512_fp16 amx_tile amx_int8\n"
ZEN4_FLAGS = "flags\t\t: fpu vme avx2 avx512f avx512_vnni avx512_bf16\n"
AMX_BUILD = "CPU : SSE3 = 1 | AVX2 = 1 | AVX512 = 1 | AMX_INT8 = 1 | REPACK = 1 | "
PLAIN_BUILD = "CPU : SSE3 = 1 | AVX2 = 1 | AVX512 = 1 | AVX512_VNNI = 1 | REPACK = 1 | "


def _cpuinfo(tmp_path: Path, flags: str) -> Path:
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\nmodel name\t: test\n{flags}\nprocessor\t: 1\n{flags}", encoding="utf-8")
    return path


def test_cpu_flags_are_read_from_cpuinfo(tmp_path: Path) -> None:
    assert R.cpu_has_amx(_cpuinfo(tmp_path, XEON_FLAGS)) is True
    assert R.cpu_has_amx(_cpuinfo(tmp_path, ZEN4_FLAGS)) is False
    assert R.cpu_has_amx(tmp_path / "missing") is None


def test_build_features_are_read_from_system_info() -> None:
    assert R.build_has_amx(AMX_BUILD) is True
    assert R.build_has_amx(PLAIN_BUILD) is False
    assert R.build_has_amx(None) is None


@pytest.mark.parametrize(("types", "cpu", "build", "repack"), [
    ({"f32", "q8_0"}, True, True, False),      # the crash: AMX CPU, AMX build, q8_0 weights
    ({"f32", "q4_k", "q6_k"}, True, True, False),
    ({"f32", "q8_0"}, True, None, False),      # build cannot say: the CPU decides
    ({"f32", "q8_0"}, None, True, False),      # CPU cannot say (not Linux): an AMX build decides
    ({"f32", "f16"}, True, True, True),        # no AMX kernels for f16/f32: keep repacking
    ({"f32", "q8_0"}, True, False, True),      # built without AMX (e.g. a wheel built on another CPU): safe
    ({"f32", "q8_0"}, False, False, True),     # Zen 4: CPU_REPACK keeps q4_0/q4_K fast
    ({"f32", "q4_0"}, False, None, True),
    ({"f32", "iq4_nl"}, True, True, True),     # repacked by CPU_REPACK only, no AMX kernel
])
def test_repacking_is_off_only_where_amx_kernels_would_run(types, cpu, build, repack) -> None:
    decision = R.decide(types, cpu, build)
    assert decision.use_extra_bufts is repack
    assert bool(decision.reason) is (not repack)
    if not repack:
        assert "AMX" in decision.reason and "20824" in decision.reason


def test_environment_overrides_the_rule() -> None:
    assert R.decide({"q8_0"}, True, True, "on").use_extra_bufts is True
    off = R.decide({"f16"}, False, False, "off")
    assert off.use_extra_bufts is False and R.ENV in off.reason
    assert R.decide({"q8_0"}, True, True, "auto").use_extra_bufts is False


def _load(path: Path, monkeypatch, mode: str):
    from app.backends.llamacpp import LlamaCppBackend
    from app.core.types import BackendConfig

    monkeypatch.setenv(R.ENV, mode)
    return LlamaCppBackend(BackendConfig(str(path), "gguf", threads=1))


@pytest.fixture(scope="module")
def starter_q8() -> Path:
    from app.paths import starter_model_dir

    starter = starter_model_dir()
    if starter is None:
        pytest.skip("the starter model is not in this checkout")
    return starter / "gguf" / "model-q8_0.gguf"


def test_the_switch_reaches_llama_cpp_and_scores_do_not_change(starter_q8: Path, monkeypatch) -> None:
    docs = ["Deep learning is a subset of machine learning.", "Apples are red and sweet."]
    results = {}
    for mode in ("on", "off"):
        backend = _load(starter_q8, monkeypatch, mode)
        try:
            assert bool(backend.llm.model_params.use_extra_bufts) is (mode == "on")
            assert ("no weight repacking" in backend.device) is (mode == "off")
            results[mode] = backend.score("What is deep learning?", docs).raw_scores
        finally:
            backend.close()
    assert results["on"] == pytest.approx(results["off"], abs=1e-6)


def test_default_params_are_restored_after_the_load(starter_q8: Path, monkeypatch) -> None:
    import llama_cpp

    _load(starter_q8, monkeypatch, "off").close()
    assert llama_cpp.llama_cpp.llama_model_default_params().use_extra_bufts is True


def test_an_amx_machine_loads_q8_0_without_repacking(starter_q8: Path, monkeypatch) -> None:
    """What an Intel Xeon with AMX and an AMX build of llama.cpp gets, simulated on any CPU."""
    monkeypatch.setattr(R, "cpu_has_amx", lambda: True)
    monkeypatch.setattr(R, "system_info", lambda llama_cpp: AMX_BUILD)
    backend = _load(starter_q8, monkeypatch, "auto")
    try:
        assert not backend.llm.model_params.use_extra_bufts
        assert any("AMX" in note for note in backend.notes)
        assert backend.score("What is deep learning?", ["Deep learning is a subset of machine learning."]).raw_scores
    finally:
        backend.close()
