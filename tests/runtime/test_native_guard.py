"""The test suite's guard (tests/native_guard.py): an artifact that crashes its runtime fails a test, not the run."""

from __future__ import annotations

import pytest

from app.core.types import BackendConfig
from tests.native_guard import NativeGuard


def test_a_crashing_artifact_fails_the_test_and_is_not_probed_twice(plugin_path, tiny_bert):
    guard = NativeGuard(plugins=(plugin_path,))
    try:
        crashing = BackendConfig(str(tiny_bert), "segv", file="onnx/model_quantized.onnx")
        with pytest.raises(pytest.fail.Exception, match=r"the segv runtime crashed \(signal 11, SIGSEGV\) while "
                                                        r"scoring 2 documents .* not loaded in the test process"):
            guard.check(crashing)
        assert guard.worker.pid is None  # the crashed probe process is gone
        with pytest.raises(pytest.fail.Exception, match="SIGSEGV"):
            guard.check(crashing)  # the verdict is kept: no second probe
        assert guard.worker.pid is None
        guard.check(BackendConfig(str(tiny_bert), "onnx", file="onnx/model_quantized.onnx"))  # fine: no failure
        guard.check(BackendConfig(str(tiny_bert / "missing"), "onnx"))  # a clean load error is the test's business
    finally:
        guard.close()
