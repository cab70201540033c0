"""Combinations a runtime cannot run give a clear 'not supported by this runtime, because …' message."""

import json
import shutil

import pytest

from app.backends import registry
from app.core.errors import UnsupportedError
from app.core.types import BackendConfig


def _ct2_folder_with_config(fixtures_dir, tmp_path, config):
    folder = tmp_path / "ct2"
    shutil.copytree(fixtures_dir / "tiny-bert" / "ct2", folder)
    (folder / "hf_config.json").write_text(json.dumps(config))
    return folder


@pytest.mark.parametrize("model_type,arch", [("deberta-v2", "DebertaV2ForSequenceClassification"),
                                             ("modernbert", "ModernBertForSequenceClassification")])
def test_ct2_refuses_encoders_it_cannot_convert(fixtures_dir, tmp_path, model_type, arch):
    folder = _ct2_folder_with_config(fixtures_dir, tmp_path, {"model_type": model_type, "architectures": [arch]})
    with pytest.raises(UnsupportedError, match="not supported by CTranslate2, because"):
        registry.load(BackendConfig(str(folder), "ct2"))


def test_embedding_model_is_refused(fixtures_dir, tmp_path):
    folder = _ct2_folder_with_config(fixtures_dir, tmp_path, {"model_type": "bert", "architectures": ["BertModel"]})
    with pytest.raises(UnsupportedError, match="not a cross-encoder"):
        registry.load(BackendConfig(str(folder), "ct2"))


def test_unknown_backend_and_device():
    from app.core.errors import BadInputError

    with pytest.raises(BadInputError, match="Unknown backend"):
        registry.load(BackendConfig("x", "tensorrt"))
    with pytest.raises(BadInputError, match="Unknown device"):
        registry.load(BackendConfig("x", "onnx", device="tpu"))


def test_cuda_without_gpu_is_a_clear_message_not_a_silent_fallback(fixtures_dir):
    """This test machine has no CUDA: every backend must refuse rather than run on CPU unannounced."""
    from app.core.errors import DeviceUnavailableError

    cases = [("onnx", "onnx/model.onnx"), ("ct2", "ct2"), ("gguf", "gguf/model-f16.gguf")]
    for backend, file in cases:
        try:
            b = registry.load(BackendConfig(str(fixtures_dir / "tiny-xlmr"), backend, device="cuda", file=file))
        except DeviceUnavailableError as exc:
            assert "CUDA" in str(exc)
        else:  # a CUDA machine: the backend must say it runs there
            assert "cuda" in b.device.lower() or "CUDA" in b.device
            b.close()


def test_availability_reports_reasons():
    avail = registry.availability()
    assert set(avail) >= {"onnx", "gguf", "ct2"}
    assert all(v is None for k, v in avail.items() if k in ("onnx", "gguf", "ct2"))


def test_device_report_names_every_runtime():
    from app.backends.devices import device_report

    report = {d.backend: d for d in device_report()}
    assert set(report) == {"onnx", "gguf", "ct2"}
    assert "CPUExecutionProvider" in report["onnx"].detail
    assert all(d.detail for d in report.values())
