"""The shipped starter reranker: each runtime format reproduces the trained model's scores.

Reference logits come from the trained fp32 model in torch (tools/starter/reference_scores.py, committed in
reference_scores.json): the sanity query plus 12 held-out queries x 20 documents. The tolerances are the int8
quantization drift measured on these pairs (ONNX max 1.11 / mean 0.22, GGUF 0.14 / 0.031, CT2 0.62 / 0.11
logits) with a margin; a wrong pair layout, a missing pooler or ignored token types moves scores by several
logits and fails them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from app.backends import registry
from app.commands.common import STARTER_FILES
from app.core.metrics import kendall_tau, ndcg_at_k
from app.core.types import BackendConfig
from app.paths import resources_dir, starter_model_dir

REFERENCE = json.loads((Path(__file__).parent / "reference_scores.json").read_text(encoding="utf-8"))
STARTER = starter_model_dir()
pytestmark = pytest.mark.skipif(STARTER is None, reason="the starter model is not in resources/models/starter")

# backend: (max |delta logit|, mean |delta logit|, min mean Kendall tau per query) against torch fp32
TOLERANCE = {"onnx": (1.5, 0.30, 0.75), "gguf": (0.25, 0.06, 0.9), "ct2": (1.0, 0.18, 0.8)}


@pytest.fixture(scope="module", params=sorted(STARTER_FILES))
def scored(request):
    backend = request.param
    model = registry.load(BackendConfig(str(STARTER), backend, file=STARTER_FILES[backend], threads=2))
    try:
        runs = {case["name"]: model.score(case["query"], case["documents"]) for case in REFERENCE["cases"]}
    finally:
        model.close()
    return backend, runs


def test_sanity_query_ranks_deep_learning_then_neural_networks(scored):
    backend, runs = scored
    order = [r.index for r in runs["sanity"].ranked()]
    assert order[:2] == [0, 3], f"{backend}: {order}"


def test_scores_match_the_trained_model(scored):
    backend, runs = scored
    max_tol, mean_tol, tau_min = TOLERANCE[backend]
    deltas, taus = [], []
    for case in REFERENCE["cases"]:
        got = np.array(runs[case["name"]].raw_scores)
        want = np.array(case["torch_logits"])
        deltas.append(np.abs(got - want))
        if len(want) > 4:
            taus.append(kendall_tau(got.tolist(), want.tolist()))
    deltas = np.concatenate(deltas)
    assert deltas.size == 244
    assert deltas.max() <= max_tol, f"{backend}: max |delta| {deltas.max():.3f} logits"
    assert deltas.mean() <= mean_tol, f"{backend}: mean |delta| {deltas.mean():.4f} logits"
    assert np.mean(taus) >= tau_min, f"{backend}: mean Kendall tau {np.mean(taus):.3f}"


def test_no_fidelity_warning_on_the_starter(scored):
    """The starter was trained without token-type dependence and ships its pooler: nothing to warn about."""
    backend, runs = scored
    for name, run in runs.items():
        assert [w.code for w in run.warnings] == [], f"{backend} {name}: {run.warnings}"
        assert run.score_rule == "sigmoid(logit)"


def test_ranking_quality_close_to_the_trained_model(scored):
    backend, runs = scored
    cases = [c for c in REFERENCE["cases"] if "labels" in c]
    got = np.mean([ndcg_at_k(runs[c["name"]].raw_scores, c["labels"], 10) for c in cases])
    want = np.mean([ndcg_at_k(c["torch_logits"], c["labels"], 10) for c in cases])
    assert got >= want - 0.03, f"{backend}: NDCG@10 {got:.4f} vs torch {want:.4f}"


def test_reference_cases_are_the_bundled_eval_set():
    rows = [json.loads(line) for line in (resources_dir() / "eval" / "debian-heldout.jsonl").open(encoding="utf-8")]
    assert len(rows) == 300
    for case, row in zip(REFERENCE["cases"][1:], rows):
        assert case["query"] == row["query"] and case["documents"] == row["documents"]
