"""Remote columns: the settings dialog builds them, they run through the same worker machinery as local ones,
their errors stay in their own column, and their API key never reaches a saved session."""

from __future__ import annotations

import json
import socket

import pytest
from uihelpers import group, run_and_wait, set_input, view_rows

from app.core.types import BackendConfig
from app.ui.columns import controller as states
from app.ui.columns.remote_fields import AUTO, REMOTE
from app.ui.columns.settings_dialog import ColumnSettingsDialog
from app.ui.columns.spec import new_spec
from tests.serve.helpers import start_server


@pytest.fixture(scope="module")
def tiny_bert_config(fixtures_dir_module):
    return BackendConfig(str(fixtures_dir_module / "tiny-bert"), "onnx", file="onnx/model.onnx")


@pytest.fixture(scope="module")
def fixtures_dir_module():
    from pathlib import Path

    return Path(__file__).parents[1] / "fixtures" / "models"


@pytest.fixture(scope="module")
def served(tiny_bert_config):
    """A real `serve` instance of tiny-bert (ONNX) on a free loopback port, with an API key."""
    server = start_server(tiny_bert_config, api_key="s3cret", model_id="tiny-bert")
    yield server
    server.stop()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_dialog_builds_a_remote_config(qtbot, tiny_bert_config):
    dialog = ColumnSettingsDialog(new_spec(tiny_bert_config), ["onnx", "gguf", "ct2", "remote"])
    qtbot.addWidget(dialog)
    assert [dialog.backend.itemText(i) for i in range(dialog.backend.count())] == ["onnx", "gguf", "ct2"]
    dialog.source.setCurrentText(REMOTE)
    assert dialog.remote.key.echoMode() == dialog.remote.key.EchoMode.Password
    assert "memory only" in dialog.remote.note.text()
    dialog.remote.url.setText("localhost:8080")
    dialog.accept()
    assert dialog.result() == 0 and "not an http(s) URL" in dialog.hint.text()
    dialog.remote.url.setText("http://127.0.0.1:9/v1/rerank")
    dialog.remote.style.setCurrentText("tei")
    dialog.remote.key.setText("k")
    dialog.remote.model.setText("my-model")
    spec = dialog.spec()
    assert spec.config == BackendConfig("http://127.0.0.1:9/v1/rerank", "remote", api_style="tei", api_key="k",
                                        remote_model="my-model")
    assert spec.name == "my-model · 127.0.0.1:9 · Remote tei"
    dialog.accept()
    assert dialog.result() == 1
    again = ColumnSettingsDialog(spec, ["onnx", "remote"])  # editing a remote column shows its fields
    qtbot.addWidget(again)
    assert again.is_remote and again.remote.url.text() == spec.config.path and again.spec() == spec
    again.remote.style.setCurrentText(AUTO)
    assert again.spec().config.api_style is None


def test_remote_column_scores_like_the_local_column(qtbot, window, served, tiny_bert_config, references,
                                                    tmp_path):
    from app.backends.remote import remote_config

    local = window.add_column(tiny_bert_config)
    remote = window.add_column(remote_config(served.url, None, "s3cret"))  # API style auto-detected
    query, docs, _ = group(references, 2)
    set_input(window, query, docs)
    run_and_wait(qtbot, window)
    for widget in (local, remote):
        assert widget.controller.state == states.DONE, widget.controller.message
    a, b = local.controller.last_run, remote.controller.last_run
    assert b.backend == "remote" and b.device == served.url + "/v2/rerank"
    assert b.scores == pytest.approx(a.scores, abs=1e-6)
    assert b.raw_scores == pytest.approx(a.raw_scores, abs=1e-4)
    assert [i for i, _ in view_rows(remote)] == [i for i, _ in view_rows(local)]
    assert "ms" in remote.footer.text() and "pairs/s" in remote.footer.text()
    assert remote.controller.worker_pid not in (None, local.controller.worker_pid)
    assert remote.detail.text() == f"cohere API · remote · {served.url}/v2/rerank"
    qtbot.waitUntil(lambda: window.drift_panel.current is not None, timeout=10_000)
    assert window.drift_panel.current.tau == pytest.approx(1.0)
    # the key stays in memory: a saved session has the URL but not the key
    saved = window.actions_.save_session_to(tmp_path / "s.json")
    text = saved.read_text(encoding="utf-8")
    assert "s3cret" not in text and served.url in text
    assert json.loads(text)["columns"][1]["config"]["api_key"] is None


def test_unreachable_remote_fails_only_its_column(qtbot, window, tiny_bert_config, references):
    from app.backends.remote import remote_config

    local = window.add_column(tiny_bert_config)
    url = f"http://127.0.0.1:{_closed_port()}"
    remote = window.add_column(remote_config(url, "cohere"))
    query, docs, _ = group(references, 0)
    set_input(window, query, docs)
    run_and_wait(qtbot, window)
    assert local.controller.state == states.DONE and len(view_rows(local)) == len(docs)
    assert remote.controller.state == states.FAILED
    assert remote.error.isVisible() and remote.error.text().startswith(f"Cannot reach {url}/v2/rerank")
    assert "Unexpected" not in remote.error.text() and "Cannot reach" in window.message_bar.text()
    assert not local.error.isVisible()


def test_remote_command_round_trips_without_the_key(tmp_path, monkeypatch):
    import shlex

    from app.backends.remote import remote_config
    from app.cli import build_parser
    from app.commands.score import config_from
    from app.core.export import score_command
    from app.core.types import ScoreOptions
    from app.ui.columns.spec import ColumnSpec

    cfg = remote_config("http://127.0.0.1:8080/v1/rerank", "tei", "top-secret", "m1")
    command = score_command(ColumnSpec("r", cfg, ScoreOptions(batch_size=8)), "q", tmp_path / "d.jsonl")
    assert "top-secret" not in command and "RERANK_PLAYGROUND_REMOTE_API_KEY" in command
    args = build_parser().parse_args(shlex.split(command, comments=True)[1:])
    monkeypatch.setenv("RERANK_PLAYGROUND_REMOTE_API_KEY", "top-secret")
    assert config_from(args) == cfg and args.batch_size == 8
