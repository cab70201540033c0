"""The Evaluate view: a labelled JSONL scored in the columns' worker processes, cancel, and the user's grades."""

from __future__ import annotations

import json
import time

import pytest
from uihelpers import RUN_TIMEOUT_MS, group, run_and_wait, set_input

from app.backends import registry
from app.core.datasets import load_dataset
from app.core.evaluation import evaluate, mean_tau
from app.core.metrics import mrr_at_k, ndcg_at_k
from app.core.types import BackendConfig, ScoreOptions
from app.ui.columns import controller as states
from app.ui.columns.spec import new_spec


def _write_dataset(path, references, repeat: int = 1):
    """One line per fixture group: the relevant document graded 3, the others 1 and 0."""
    lines = []
    for _ in range(repeat):
        for g in references["groups"]:
            labels = [0] * len(g["documents"])
            labels[g["relevant"]] = 3
            labels[(g["relevant"] + 1) % len(labels)] = 1
            lines.append(json.dumps({"query": g["query"], "documents": g["documents"], "labels": labels}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _wait_done(qtbot, view, timeout=RUN_TIMEOUT_MS):
    qtbot.waitUntil(lambda: view.run_ is not None and not view.busy, timeout=timeout)
    return view.run_.outcome


def test_evaluate_two_columns_matches_core(qtbot, window, fixtures_dir, references, tmp_path):
    model = fixtures_dir / "tiny-bert"
    configs = [BackendConfig(str(model), "onnx", file="onnx/model.onnx"),
               BackendConfig(str(fixtures_dir / "tiny-xlmr"), "onnx", file="onnx/model.onnx")]
    for cfg in configs:
        window.add_column(cfg)
    dataset = _write_dataset(tmp_path / "mini.jsonl", references)
    view = window.actions_.open_evaluate()
    view.set_dataset(dataset)
    assert view.start(), view.status.text()
    outcome = _wait_done(qtbot, view)
    assert not outcome.failures and not outcome.cancelled and sorted(outcome.reports) == [0, 1]
    queries = load_dataset(dataset)
    direct = []
    for i, cfg in enumerate(configs):
        backend = registry.load(cfg)
        direct.append(evaluate(f"direct-{i}", lambda q, d, b=backend: b.score(q, d, ScoreOptions()).raw_scores,
                               queries, 10))
    for i, ref in enumerate(direct):
        got = outcome.reports[i]
        assert got.queries == 3
        assert got.ndcg == pytest.approx(ref.ndcg, abs=1e-9)
        assert got.mrr == pytest.approx(ref.mrr, abs=1e-9)
        assert got.recall == pytest.approx(ref.recall, abs=1e-9)
        assert got.latency_p95_ms >= got.latency_p50_ms > 0
        assert view.table.item(i, 1).text() == f"{ref.ndcg:.4f}"
        assert view.table.item(i, 0).text() == window.column_specs()[i].name
    tau = mean_tau(direct[0], direct[1])
    assert view.taus.item(0, 2).text() == f"{tau:.3f}" == view.taus.item(1, 1).text()
    assert view.taus.item(0, 1).text() == "1.000"
    assert [round(v, 6) for _, v in view.chart.bars] == [round(r.ndcg, 6) for r in direct] + \
        [round(outcome.bm25.ndcg, 6)]
    # the columns' warm workers did the work: a window Run reuses them (no second load)
    pids = [c.worker_pid for c in window.column_controllers()]
    assert all(pids) and all(not c.busy for c in window.column_controllers())
    query, docs, _ = group(references, 0)
    set_input(window, query, docs)
    run_and_wait(qtbot, window)
    assert [c.worker_pid for c in window.column_controllers()] == pids
    assert all(c.state == states.DONE for c in window.column_controllers())


def test_bm25_row_progress_copy_export_and_drill_down(qtbot, window, fixtures_dir, references, tmp_path):
    from PySide6.QtGui import QGuiApplication

    from app.core.evaluation import BM25_NAME, bm25_reference

    window.add_column(BackendConfig(str(fixtures_dir / "tiny-bert"), "onnx", file="onnx/model.onnx"))
    dataset = _write_dataset(tmp_path / "mini.jsonl", references, repeat=4)
    view = window.actions_.open_evaluate()
    view.set_dataset(dataset)
    seen = []
    assert view.start()
    qtbot.waitUntil(lambda: view.run_ is not None, timeout=RUN_TIMEOUT_MS)
    view.run_.columnProgress.connect(lambda i, done, total: seen.append(view.table.item(i, 8).text()))
    outcome = _wait_done(qtbot, view)
    assert seen and all(t.startswith("scoring… ") and t.endswith(" / 12 queries") for t in seen[:-1])
    queries = load_dataset(dataset)
    bm25 = evaluate(BM25_NAME, bm25_reference(queries), queries, 10)
    assert view.table.rowCount() == 2 and view.table.item(1, 0).text() == BM25_NAME
    assert view.table.item(1, 1).text() == f"{bm25.ndcg:.4f}"
    assert view.table.item(1, 2).text() == f"{bm25.ndcg - outcome.reports[0].ndcg:+.4f}"
    header = view.table.horizontalHeader()
    for c in range(view.table.columnCount()):  # every header is readable
        text = view.table.horizontalHeaderItem(c).text()
        assert header.sectionSize(c) >= header.fontMetrics().horizontalAdvance(text), text

    markdown = view.copy_table()
    assert QGuiApplication.clipboard().text() == markdown
    lines = markdown.splitlines()
    assert lines[0].startswith("| Column | NDCG@10 |") and BM25_NAME in lines[-1] and len(lines) == 4
    data = json.loads(view.export_table(tmp_path / "t.json").read_text("utf-8"))
    assert [c["Column"] for c in data["columns"]] == [window.column_specs()[0].name, BM25_NAME]
    assert len(data["per_query_ndcg"]) == 12
    assert (tmp_path / "t.csv").exists() is False and view.export_table(tmp_path / "t.csv").read_text("utf-8")

    per_query = view.per_query
    assert per_query.rowCount() == 12 and per_query.columnCount() == 5  # #, query, column, BM25, spread
    per_query.sortItems(2)  # the column's NDCG, worst first
    worst = per_query.item(0, 0).data(0x0100)
    assert float(per_query.item(0, 2).text()) == pytest.approx(min(outcome.reports[0].per_query_ndcg), abs=5e-4)
    per_query.selectRow(0)
    detail = view.query_detail.toPlainText()
    assert f"Query {worst}:" in detail and window.column_specs()[0].name in detail and BM25_NAME in detail
    assert f"1 = {window.column_specs()[0].name}" in view.per_query_legend.text() and "2 = BM25" in \
        view.per_query_legend.text()


def test_cancel_stops_the_evaluation_and_frees_the_column(qtbot, window, fixtures_dir, references, tmp_path):
    cfg = BackendConfig(str(fixtures_dir / "tiny-bert"), "slow-onnx", file="onnx/model.onnx")
    window.add_column(new_spec(cfg, ScoreOptions(batch_size=1)))  # 3 batches of 50 ms per query
    dataset = _write_dataset(tmp_path / "long.jsonl", references, repeat=40)  # 120 queries: > 18 s in full
    view = window.actions_.open_evaluate()
    view.set_dataset(dataset)
    assert view.start()
    qtbot.waitUntil(lambda: view.run_ is not None and view.progress.value() >= 2, timeout=RUN_TIMEOUT_MS)
    assert view.cancel_button.isEnabled() and not view.run_button.isEnabled()
    set_input(window, *group(references, 0)[:2])
    with qtbot.assertNotEmitted(window.runFinished, wait=100):
        assert not window.run() and "evaluation is still in progress" in window.message_bar.text()
    t0 = time.perf_counter()
    with qtbot.assertNotEmitted(window.runFinished):  # an evaluation is not a window Run
        view.cancel()
        outcome = _wait_done(qtbot, view, timeout=10_000)
    assert time.perf_counter() - t0 < 5
    assert outcome.cancelled and not outcome.reports and not outcome.failures
    assert "Cancelled" in view.status.text()
    assert view.run_button.isEnabled() and not view.cancel_button.isEnabled()
    assert not window.column_controllers()[0].busy


def test_missing_dataset_and_bundled_choice(qtbot, window, fixtures_dir, references, tmp_path, monkeypatch):
    import app.ui.evaluate_view as ev

    monkeypatch.setattr(ev, "bundled_dataset", lambda: tmp_path / "absent.jsonl")
    view = ev.EvaluateView(window)
    qtbot.addWidget(view)
    assert not view.use_bundled.isEnabled() and "Open dataset" in view.bundled_note.text()
    assert not view.start() and "Choose a dataset" in view.status.text()
    view.set_dataset(tmp_path / "nothing-here.jsonl")
    assert not view.start() and "Tick at least one column" in view.status.text()
    window.add_column(BackendConfig(str(fixtures_dir / "tiny-bert"), "onnx", file="onnx/model.onnx"))
    view.refresh_columns()
    assert view.start()
    qtbot.waitUntil(lambda: not view.busy, timeout=RUN_TIMEOUT_MS)
    assert "Dataset not found" in view.status.text() and "nothing-here.jsonl" in view.status.text()
    bundled = _write_dataset(tmp_path / "bundled.jsonl", references)
    monkeypatch.setattr(ev, "bundled_dataset", lambda: bundled)
    view = ev.EvaluateView(window)
    qtbot.addWidget(view)
    assert view.use_bundled.isEnabled() and view.use_bundled.isChecked()
    assert view.start()
    outcome = _wait_done(qtbot, view)
    assert outcome.reports[0].queries == 3


def test_user_grades_give_ndcg_per_column(qtbot, window, fixtures_dir, references):
    widget = window.add_column(BackendConfig(str(fixtures_dir / "tiny-bert"), "onnx", file="onnx/model.onnx"))
    query, docs, relevant = group(references, 1)
    set_input(window, query, docs)
    run_and_wait(qtbot, window)
    assert widget.grade_line.isHidden()  # nothing graded yet
    window.documents_panel.model.set_grade(relevant, 3)
    scores = widget.controller.last_run.raw_scores
    labels = [3 if i == relevant else 0 for i in range(len(docs))]
    expected = f"NDCG@10 {ndcg_at_k(scores, labels, 10):.3f} · MRR@10 {mrr_at_k(scores, labels, 10):.3f}"
    assert widget.grade_line.isVisible() and expected in widget.grade_line.text()
    other = (relevant + 1) % len(docs)
    window.documents_panel.model.set_grade(relevant, 0)
    window.documents_panel.model.set_grade(other, 2)
    labels = [2 if i == other else 0 for i in range(len(docs))]
    assert f"NDCG@10 {ndcg_at_k(scores, labels, 10):.3f}" in widget.grade_line.text()
    window.documents_panel.add_texts(["a new document makes the results stale"])
    assert widget.grade_line.isHidden()
