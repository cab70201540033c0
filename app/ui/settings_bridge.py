"""Apply the typed settings (``app.ui.settings``) to the app: column defaults, theme, cache, geometry."""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)


def load_defaults() -> dict:
    """Defaults for new columns: threads, batch size and device from the saved settings."""
    from app.ui.settings import load_settings

    s = load_settings()
    return {"threads": s.default_threads, "batch_size": s.batch_size, "device": s.device}


def apply_to_app(app) -> None:
    """Theme and model cache location, before the window is built."""
    from PySide6.QtCore import Qt

    from app.ui.settings import default_cache_dir, load_settings

    s = load_settings()
    if not s.follow_system_theme:
        app.styleHints().setColorScheme(Qt.ColorScheme.Light)
    if s.cache_dir and s.cache_dir != default_cache_dir() and "HF_HUB_CACHE" not in os.environ:
        os.environ["HF_HUB_CACHE"] = s.cache_dir  # the worker processes inherit it


def restore_geometry(window) -> None:
    from app.ui.settings import load_settings

    geometry = load_settings().window_geometry
    if geometry:
        window.restoreGeometry(geometry)


def save_geometry(window) -> None:
    from app.ui.settings import update_settings

    try:
        update_settings(window_geometry=bytes(window.saveGeometry()))
    except Exception as exc:  # noqa: BLE001 -  # never block closing the window over a settings write
        log.warning("could not save the window geometry: %s", exc)
