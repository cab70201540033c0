"""Before Qt starts: can its platform plugin load? (No Qt import here, so it runs before Qt can abort.)

Qt ≥ 6.5's xcb plugin (X11, and XWayland) links against a set of xcb libraries that a fresh Debian/Ubuntu does
not install; without them ``QApplication()`` prints "xcb-cursor0 or libxcb-cursor0 is needed to load the Qt xcb
platform plugin" (or "Could not load the Qt platform plugin") and aborts the process (exit 134). With no display
at all it aborts the same way. :func:`platform_problem` says so in one line with the command that fixes it.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Mapping

# The xcb libraries libqxcb.so / libQt6XcbQpa.so.6 link against (PySide6 6.11 `ldd`), with their Debian/Ubuntu
# packages. libxcb-cursor0 comes first: it is the one a fresh install lacks most often.
XCB_LIBRARIES: tuple[tuple[str, str], ...] = (
    ("libxcb-cursor.so.0", "libxcb-cursor0"),
    ("libxcb-icccm.so.4", "libxcb-icccm4"),
    ("libxcb-image.so.0", "libxcb-image0"),
    ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    ("libxcb-randr.so.0", "libxcb-randr0"),
    ("libxcb-render-util.so.0", "libxcb-render-util0"),
    ("libxcb-shape.so.0", "libxcb-shape0"),
    ("libxcb-xkb.so.1", "libxcb-xkb1"),
    ("libxcb-util.so.1", "libxcb-util1"),
    ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    ("libX11-xcb.so.1", "libx11-xcb1"),
    ("libxcb.so.1", "libxcb1"),
)


def can_load(soname: str) -> bool:
    """Whether the dynamic linker finds ``soname`` (the same search Qt's plugin load does)."""
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def can_connect(display: str) -> bool:
    """Whether an X server answers on ``display`` (libxcb's own ``xcb_connect``, as Qt's plugin does)."""
    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return False
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)  # never NULL: an error object when it fails
    try:
        return xcb.xcb_connection_has_error(connection) == 0
    finally:
        xcb.xcb_disconnect(connection)


def uses_xcb(env: Mapping[str, str], platform: str = sys.platform) -> bool:
    """Whether Qt will try its xcb plugin: Linux, and QT_QPA_PLATFORM unset or naming xcb first; a Wayland
    session with QT_QPA_PLATFORM unset uses the wayland plugin."""
    if not platform.startswith("linux"):
        return False
    chosen = env.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        return chosen.split(";")[0].split(":")[0].strip() == "xcb"
    return not (env.get("WAYLAND_DISPLAY") and env.get("XDG_SESSION_TYPE") == "wayland")


def missing_xcb_libraries(load: Callable[[str], bool] | None = None) -> list[tuple[str, str]]:
    """(soname, package) of every xcb library the plugin needs that cannot be loaded."""
    load = load or can_load
    return [(soname, package) for soname, package in XCB_LIBRARIES if not load(soname)]


def platform_problem(env: Mapping[str, str] | None = None, platform: str = sys.platform,
                     load: Callable[[str], bool] | None = None,
                     connect: Callable[[str], bool] | None = None) -> str | None:
    """None when the window can start, else one line saying why not and what to do."""
    env = os.environ if env is None else env
    if not uses_xcb(env, platform):
        return None
    display = env.get("DISPLAY", "")
    if not display:
        return ("no display to open the window on (DISPLAY is not set): start it from a desktop session, or use "
                "the command line (rerank-playground score --help).")
    missing = missing_xcb_libraries(load)
    if missing:
        names = ", ".join(soname for soname, _ in missing)
        packages = " ".join(package for _, package in missing)
        verb = "is" if len(missing) == 1 else "are"
        return (f"the window needs {names} (Qt's xcb platform plugin), which {verb} not installed. Install "
                f"{'it' if len(missing) == 1 else 'them'}: sudo apt-get install {packages}")
    if not (connect or can_connect)(display):
        return (f"cannot connect to the X display {display!r} (DISPLAY): check that it is running and that you may "
                "use it (xhost, ssh -X), or use the command line (rerank-playground score --help).")
    return None
