"""Typed settings stored with QSettings (INI in the app home), and the column/field dialog."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from app.core.importers import FieldChoice
from app.ui.field_dialog import FieldChoiceDialog
from app.ui.settings import (
    SETTINGS_VERSION,
    Settings,
    default_cache_dir,
    load_settings,
    open_store,
    save_settings,
    settings_path,
    update_settings,
)


def test_defaults_when_nothing_is_stored(qapp):
    s = load_settings()
    assert s == Settings()
    assert (s.default_threads, s.batch_size, s.device, s.follow_system_theme) == (0, 32, "cpu", True)
    assert s.last_session_path == "" and s.window_geometry == b""
    assert s.cache_dir == default_cache_dir()


def test_round_trip_in_the_app_home(qapp, tmp_path, monkeypatch):
    monkeypatch.setenv("RERANK_PLAYGROUND_HOME", str(tmp_path))
    wanted = Settings(default_threads=4, batch_size=8, device="cuda", cache_dir=str(tmp_path / "cache"),
                      follow_system_theme=False, last_session_path=str(tmp_path / "s.json"),
                      window_geometry=b"\x01\x00\xffgeometry")
    save_settings(wanted)
    assert settings_path() == tmp_path / "settings.ini" and settings_path().is_file()
    assert load_settings() == wanted
    raw = QSettings(str(settings_path()), QSettings.IniFormat)
    assert int(raw.value("settings_version")) == SETTINGS_VERSION
    assert update_settings(batch_size=16).batch_size == 16 and load_settings().device == "cuda"


def test_damaged_values_fall_back_to_defaults(qapp, tmp_path):
    store = open_store(tmp_path / "x.ini")
    store.setValue("default_threads", "many")
    store.setValue("batch_size", -3)
    store.setValue("device", "tpu")
    store.setValue("follow_system_theme", "maybe")
    store.setValue("window_geometry", "not bytes")
    store.setValue("last_session_path", "/keep/me.json")
    store.sync()
    s = load_settings(open_store(tmp_path / "x.ini"))
    assert (s.default_threads, s.batch_size, s.device, s.follow_system_theme, s.window_geometry) == (
        0, 32, "cpu", True, b"")
    assert s.last_session_path == "/keep/me.json"


def test_invalid_settings_are_refused_in_code():
    with pytest.raises(ValueError):
        Settings(device="tpu")
    with pytest.raises(ValueError):
        Settings(batch_size=0)


def test_field_choice_dialog(qtbot, tmp_path):
    dialog = FieldChoiceDialog(tmp_path / "q.csv", FieldChoice("column", ("id", "title", "body"), "body", True))
    qtbot.addWidget(dialog)
    assert dialog.selected() == "body" and "q.csv" in dialog.windowTitle()
    dialog.combo.setCurrentText("title")
    assert dialog.selected() == "title"
