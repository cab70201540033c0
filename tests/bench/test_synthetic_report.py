"""Bench inputs are deterministic; reports compute ratios and targets from the medians they show."""

from __future__ import annotations

import json

import pytest
from tokenizers import Tokenizer, models, pre_tokenizers

from app.bench import report, synthetic
from app.bench.results import BackendReport, Cell, EngineInfo, Latency, Measurement
from app.bench.runner import BenchSetup, plan_cells, reps_for
from app.core.types import BackendConfig


def _word_tokenizer() -> Tokenizer:
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(synthetic.WORDS)}, unk_token="the"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    return tok


def test_same_seed_same_inputs_and_other_seed_differs():
    a = synthetic.synthetic(20, 64, seed=3)
    assert a == synthetic.synthetic(20, 64, seed=3)
    assert a.documents != synthetic.synthetic(20, 64, seed=4).documents
    assert len(a.documents) == 20 and a.query


def test_lengths_follow_the_tokenizer_within_the_spread():
    tok = _word_tokenizer()
    inputs = synthetic.synthetic(50, 40, tokenizer=tok, vary=0.5)
    lengths = [len(tok.encode(d, add_special_tokens=False).ids) for d in inputs.documents]
    assert min(lengths) >= 20 and max(lengths) <= 60
    assert 35 <= sum(lengths) / len(lengths) <= 45


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError):
        synthetic.synthetic(0, 10)


def test_sweep_plan_and_repetitions():
    setup = BenchSetup(BackendConfig(".", "onnx"), sweep=True, reps=5)
    assert plan_cells(setup) == [(10, 128), (100, 128), (1000, 128), (100, 32), (100, 512)]
    assert [reps_for(setup, n) for n in (10, 100, 1000)] == [5, 4, 1]
    assert plan_cells(BenchSetup(BackendConfig(".", "onnx"), n_docs=7, doc_tokens=9)) == [(7, 9)]


def _report(ours_s, raw_s, emb_s=None):
    ms = [Measurement("ours", 100, tuple(ours_s)), Measurement("raw", 100, tuple(raw_s))]
    if emb_s:
        ms.append(Measurement("embed-list", 100, tuple(emb_s)))
    cell = Cell(100, 128, 150.0, tuple(ms), {"raw": 0.0})
    engine = EngineInfo("ours", "ours (gguf, f16)", "cpu (2 threads)", "/m/model.gguf", 500.0, 120.0, 130.0,
                        ("note",))
    return BackendReport("gguf", "synthetic", 0, (engine,), (cell,), Latency(100, 4, 2000.0, 2500.0))


def test_ratios_use_medians_and_targets_are_checked():
    rep = _report([2.0, 9.0, 2.0], [1.9, 1.9, 50.0], [5.0, 5.0, 5.0])
    cell = rep.cells[0]
    assert cell.get("ours").pairs_per_s == pytest.approx(50.0)
    assert cell.ratio("ours", "raw") == pytest.approx(1.9 / 2.0)
    checks = {what.split(" [")[0]: (ratio, met) for what, ratio, goal, met in report.target_checks(rep)}
    assert checks[report.TARGETS["raw"][1]] == (pytest.approx(0.95), True)
    assert checks[report.TARGETS["embed-list"][1]] == (pytest.approx(2.5), True)
    text = "\n".join(report.format_report(_report([3.0], [1.0])))
    assert "MISS 0.33x" in text and "p50 2000 ms" in text and "RSS 120 MB" in text


def test_json_is_serializable_with_ratios():
    data = _report([2.0], [1.0]).to_json()
    json.dumps(data)
    assert data["cells"][0]["ratios_to_ours"] == {"raw": pytest.approx(0.5)}
    assert data["cells"][0]["measurements"][0]["pairs_per_s"] == 50.0
