"""Apply the typed settings (``app.ui.settings``) to the app: column defaults, theme, cache, geometry."""

from __future__ import annotations

import logging
import os

from PySide6.QtCore import Qt

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


GEOMETRY_MARK = b"RPG1"  # our own format: {"x", "y"} of the frame, {"width", "height"} of the client area


def geometry_bytes(window) -> bytes:
    """Where the window is, as the frame's top-left corner and the client area's size (plus maximized).

    Qt's saveGeometry()/restoreGeometry() mixes the two on some X11 window managers, so each launch put the
    window one title bar (~20 px) lower. ``move()`` places the frame and ``resize()`` sizes the client area,
    which is exactly what is saved here."""
    import json

    frame, size = window.frameGeometry(), window.normalGeometry() if window.isMaximized() else window.geometry()
    data = {"x": frame.x(), "y": frame.y(), "width": size.width(), "height": size.height(),
            "maximized": window.isMaximized()}
    return GEOMETRY_MARK + json.dumps(data).encode()


def apply_geometry(window, geometry: bytes) -> bool:
    """Put the window where :func:`geometry_bytes` said, kept on a screen; False for unusable data."""
    import json

    if not geometry.startswith(GEOMETRY_MARK):
        return bool(geometry) and bool(window.restoreGeometry(geometry))  # saved by an older version
    try:
        data = json.loads(geometry[len(GEOMETRY_MARK):])
        x, y, width, height = (int(data[k]) for k in ("x", "y", "width", "height"))
    except (ValueError, KeyError, TypeError):
        return False
    screen = window.screen().availableGeometry() if window.screen() is not None else None
    if screen is not None:
        width, height = min(width, screen.width()), min(height, screen.height())
        x = max(screen.left(), min(x, screen.right() - 100))  # at least 100 px of it stay on the screen
        y = max(screen.top(), min(y, screen.bottom() - 100))
    window.resize(max(width, 400), max(height, 300))
    window.move(x, y)
    if data.get("maximized"):
        window.setWindowState(window.windowState() | Qt.WindowState.WindowMaximized)
    return True


def restore_geometry(window) -> None:
    from app.ui.settings import load_settings

    geometry = load_settings().window_geometry
    if geometry:
        apply_geometry(window, geometry)


def save_geometry(window) -> None:
    from app.ui.settings import update_settings

    try:
        update_settings(window_geometry=geometry_bytes(window))
    except Exception as exc:  # noqa: BLE001 -  # never block closing the window over a settings write
        log.warning("could not save the window geometry: %s", exc)
