"""The app's settings: one typed schema with defaults and a version, stored with QSettings (DESIGN.md point 9).

:class:`Settings` is a frozen dataclass; :func:`load_settings` reads it (unknown, missing or malformed values
fall back to the default, with a log line — a damaged settings file never stops the app) and
:func:`save_settings` writes it. The store is an INI file in the app's home folder (``settings.ini``; the
``RERANK_PLAYGROUND_HOME`` override applies), so tests and portable installs never touch the user's registry.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from app.paths import app_home

log = logging.getLogger(__name__)

SETTINGS_VERSION = 1
DEVICES = ("cpu", "cuda")
VERSION_KEY = "settings_version"


def default_cache_dir() -> str:
    """The Hugging Face hub cache huggingface_hub uses now (``HF_HUB_CACHE`` / ``HF_HOME`` respected)."""
    from huggingface_hub import constants

    return str(constants.HF_HUB_CACHE)


@dataclass(frozen=True)
class Settings:
    """Every user setting with its default. ``default_threads`` 0 means each runtime's own default."""

    default_threads: int = 0
    batch_size: int = 32
    device: str = "cpu"
    cache_dir: str = field(default_factory=default_cache_dir)
    follow_system_theme: bool = True
    last_session_path: str = ""
    window_geometry: bytes = b""

    def __post_init__(self) -> None:
        if self.default_threads < 0:
            raise ValueError("default_threads must be 0 (runtime default) or more")
        if self.batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if self.device not in DEVICES:
            raise ValueError(f"device must be one of {DEVICES}")


def settings_path() -> Path:
    return app_home() / "settings.ini"


def open_store(path: str | Path | None = None) -> QSettings:
    """The QSettings backing store (INI format, at :func:`settings_path` unless ``path`` is given)."""
    return QSettings(str(path or settings_path()), QSettings.IniFormat)


def _read(store: QSettings, name: str, kind: type, default):
    raw = store.value(name)
    if raw is None:
        return default
    if kind is bytes:
        return bytes(raw.data()) if isinstance(raw, QByteArray) else default
    if kind is bool:  # INI stores "true"/"false" as text
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        return {"true": True, "1": True, "false": False, "0": False}.get(text, default)
    if kind is int:
        return int(str(raw).strip())
    return str(raw)


def load_settings(store: QSettings | None = None) -> Settings:
    """Read every setting; a missing or unusable value gets its default (logged)."""
    store = store or open_store()
    defaults = Settings()
    version = store.value(VERSION_KEY)
    if version is not None and str(version) != str(SETTINGS_VERSION):
        log.info("settings version %s (this app writes %s): reading the keys it knows", version,
                 SETTINGS_VERSION)
    values = {}
    for f in fields(Settings):
        default = getattr(defaults, f.name)
        try:
            values[f.name] = _read(store, f.name, type(default), default)
        except (TypeError, ValueError):
            log.warning("setting %s=%r is not usable; using the default %r", f.name, store.value(f.name), default)
            values[f.name] = default
    try:
        return Settings(**values)
    except ValueError as exc:
        return _repair(values, defaults, exc)


def _repair(values: dict, defaults: Settings, exc: ValueError) -> Settings:
    """Replace each out-of-range value with its default."""
    log.warning("settings out of range (%s); using defaults for those", exc)
    good = {}
    for name, value in values.items():
        try:
            replace(defaults, **{name: value})
            good[name] = value
        except ValueError:
            good[name] = getattr(defaults, name)
    return Settings(**good)


def save_settings(settings: Settings, store: QSettings | None = None) -> None:
    store = store or open_store()
    store.setValue(VERSION_KEY, SETTINGS_VERSION)
    for f in fields(Settings):
        value = getattr(settings, f.name)
        store.setValue(f.name, QByteArray(value) if isinstance(value, bytes) else value)
    store.sync()
    if store.status() != QSettings.NoError:
        log.warning("could not write settings to %s (status %s)", store.fileName(), store.status())


def update_settings(store: QSettings | None = None, **changes) -> Settings:
    """Load, change some fields (validated), save; returns the new settings."""
    store = store or open_store()
    settings = replace(load_settings(store), **changes)
    save_settings(settings, store)
    return settings
