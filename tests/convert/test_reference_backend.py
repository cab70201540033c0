"""The `torch` backend (transformers fp32) equals the committed transformers references of every fixture model.

Every fixture folder with a model.safetensors and reference scores is checked, so families added later are
covered by the same test. Scored through the shared pipeline (sorting, padding, order restoration).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.backends import registry
from app.cli import main
from app.core.types import BackendConfig, ScoreOptions
from tests.conftest import FIXTURES

pytestmark = pytest.mark.convert
REFERENCE_TOL = 1e-5


def _reference(model: str) -> dict:
    """pairs, raw, input_ids, groups, group_raw: the shared references.json, or the folder's own reference.json."""
    refs = json.loads((FIXTURES / "references.json").read_text(encoding="utf-8"))
    shared = {"pairs": refs["pairs"], "groups": refs["groups"]}  # the encoder fixtures score the shared pairs
    own = FIXTURES / model / "reference.json"
    if own.is_file():
        return {**shared, **json.loads(own.read_text(encoding="utf-8"))}
    return {**shared, **refs["models"][model]}


def _models_with_weights() -> list[str]:
    refs = json.loads((FIXTURES / "references.json").read_text(encoding="utf-8"))
    names = set(refs["models"]) | {p.parent.name for p in FIXTURES.glob("*/reference.json")}
    return sorted(m for m in names if (FIXTURES / m / "model.safetensors").is_file())


@pytest.fixture(scope="module")
def torch_backends():
    loaded: dict = {}

    def get(model: str):
        if model not in loaded:
            loaded[model] = registry.load(BackendConfig(str(FIXTURES / model), "torch", threads=1))
        return loaded[model]

    yield get
    for b in loaded.values():
        b.close()


@pytest.mark.parametrize("model", _models_with_weights())
def test_torch_equals_transformers_references(torch_backends, model):
    ref = _reference(model)
    backend = torch_backends(model)
    pairs = ref["pairs"]
    raw = np.full(len(pairs), np.nan)
    by_query: dict[str, list[int]] = {}
    for i, p in enumerate(pairs):
        by_query.setdefault(p["query"], []).append(i)
    for query, idx in by_query.items():
        run = backend.score(query, [pairs[i]["document"] for i in idx], ScoreOptions(batch_size=2))
        raw[idx] = run.raw_scores
        assert run.backend == "torch" and run.device == "cpu"
    assert np.abs(raw - np.asarray(ref["raw"])).max() <= REFERENCE_TOL
    assert backend.precision == "fp32" and backend.static_warnings == []
    for i, p in enumerate(pairs):  # the same pair layout as every other backend (one family definition)
        (enc,) = backend.tokenizer.encode_pairs(p["query"], [p["document"]], backend.family.max_length)
        assert list(enc.ids) == ref["input_ids"][i]


@pytest.mark.parametrize("model", _models_with_weights())
def test_group_scores_batched_equal_references(torch_backends, model):
    """Whole groups in one batch (padding on the right for encoders, on the left for decoders)."""
    ref = _reference(model)
    if "group_raw" not in ref:
        pytest.skip("no group references")
    backend = torch_backends(model)
    for group, expected in zip(ref["groups"], ref["group_raw"]):
        run = backend.score(group["query"], group["documents"], ScoreOptions(batch_size=64, batch_tokens=0))
        assert np.abs(np.asarray(run.raw_scores) - np.asarray(expected)).max() <= REFERENCE_TOL


def test_score_command_runs_the_reference(fixtures_dir, capsys):
    rc = main(["score", "--model", str(fixtures_dir / "tiny-xlmr"), "--backend", "torch", "--query",
               "what is a cat", "--doc", "a cat is an animal", "--doc", "stocks fell", "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["backend"] == "torch" and out["family"] == "xlm-roberta" and len(out["results"]) == 2


def test_eval_compares_the_reference_with_onnx(fixtures_dir, tmp_path, capsys):
    data = tmp_path / "eval.jsonl"
    data.write_text(json.dumps({"query": "what is a cat", "documents": ["a cat is an animal", "stocks fell",
                                                                       "cats purr"], "labels": [2, 0, 1]})
                    + "\n", encoding="utf-8")
    rc = main(["eval", "--model", str(fixtures_dir / "tiny-bert"), "--backend", "torch,onnx:onnx/model.onnx",
               "--dataset", str(data), "--no-bm25", "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    names = [r["name"] for r in out["reports"]]
    assert names[0].startswith("torch · ") and names[1].startswith("onnx · ")
    assert out["agreement_tau"][names[1]] > 0.9  # fp32 ONNX ranks as the reference does


def test_cuda_without_a_gpu_is_one_clear_error(fixtures_dir):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    from app.core.errors import DeviceUnavailableError

    with pytest.raises(DeviceUnavailableError, match="choose CPU"):
        registry.load(BackendConfig(str(fixtures_dir / "tiny-bert"), "torch", device="cuda"))
