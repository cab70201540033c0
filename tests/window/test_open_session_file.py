"""`rerank-playground SESSION.json` opens the session; the desktop file type is registered for the .deb."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app import cli
from app.core.session import Session, SessionDocument
from app.ui.launch import build_window
from app.ui.window_actions import session_file_name

ROOT = Path(__file__).parents[2]
LINUX = ROOT / "packaging" / "linux"


def _session(tmp_path, name="work.rpsession.json") -> Path:
    return Session(query="what is a cat", documents=(SessionDocument("a cat is an animal"),
                                                     SessionDocument("stocks fell")),).save(tmp_path / name)


@pytest.mark.parametrize("argv,expected", [
    (["s.json"], "s.json"), (["--debug", "work.rpsession.json"], "work.rpsession.json"),
    (["score", "--query", "q"], None), ([], None), (["scroe"], None), (["--about"], None),
])
def test_session_argument(argv, expected):
    assert cli._session_argument(argv) == expected


def test_main_routes_a_session_file_to_the_window(tmp_path, monkeypatch):
    path = _session(tmp_path)
    calls = []
    monkeypatch.setattr("app.ui.launch.launch", lambda session=None: calls.append(session) or 0)
    assert cli.main([str(path)]) == 0 and calls == [str(path)]


def test_window_opens_the_named_session(qtbot, tmp_path):
    path = _session(tmp_path)
    window = build_window(session=str(path))
    qtbot.addWidget(window)
    assert window.query_panel.query() == "what is a cat" and len(window.documents_panel.documents()) == 2
    assert window.actions_.session_path == path and path.name in window.windowTitle()
    window.close()


def test_a_bad_session_file_is_said_over_the_usual_workspace(qtbot, tmp_path):
    window = build_window(restore=False, session=str(tmp_path / "missing.json"))
    qtbot.addWidget(window)
    assert "Session file not found" in window.message_bar.text() and "missing.json" in window.message_bar.text()
    assert not window.first_run
    window.close()


def test_help_says_no_arguments_opens_the_window_and_has_no_rst(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert "SESSION.json" in out and "open the window" in out
    with pytest.raises(SystemExit):
        cli.main(["models", "--help"])
    assert "``" not in capsys.readouterr().out


def test_session_names_get_the_desktop_suffix():
    assert session_file_name("/x/work") == "/x/work.rpsession.json"
    assert session_file_name("/x/work.json") == "/x/work.json"


def test_desktop_entry_and_build_register_the_file_type():
    desktop = (LINUX / "rerank-playground.desktop").read_text(encoding="utf-8")
    assert "Exec=rerank-playground %f" in desktop
    assert "MimeType=application/x-rerank-playground-session;" in desktop
    build = (LINUX / "build.sh").read_text(encoding="utf-8")
    assert "rerank-playground-session.xml" in build and "usr/share/mime/packages" in build


PROBE = """
import sys
from PySide6.QtCore import QMimeDatabase
db = QMimeDatabase()
print(" ".join(db.mimeTypeForFile(p).name() for p in sys.argv[1:]))
"""


@pytest.mark.skipif(shutil.which("update-mime-database") is None, reason="shared-mime-info is not installed")
def test_shared_mime_info_recognizes_sessions_by_name_and_content(tmp_path):
    data = tmp_path / "share"
    (data / "mime" / "packages").mkdir(parents=True)
    shutil.copy(LINUX / "rerank-playground-session.xml", data / "mime" / "packages")
    subprocess.run(["update-mime-database", str(data / "mime")], check=True, capture_output=True)
    named = _session(tmp_path)
    bare = named.with_name("no-extension")
    shutil.copy(named, bare)
    plain = tmp_path / "other.json"
    plain.write_text('{"app": "something else"}', encoding="utf-8")
    env = {**os.environ, "XDG_DATA_HOME": str(data), "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", PROBE, str(named), str(bare), str(plain)], env=env,
                         capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.split() == ["application/x-rerank-playground-session"] * 2 + ["application/json"]
