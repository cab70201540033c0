"""README command 1 on a fresh Debian/Ubuntu: a missing xcb library is one line with the fix, not Qt's abort."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.ui.qt_platform import XCB_LIBRARIES, missing_xcb_libraries, platform_problem, uses_xcb

ROOT = Path(__file__).resolve().parent.parent
X11 = {"DISPLAY": ":0"}


@pytest.mark.parametrize("env,platform,expected", [
    ({}, "linux", True), ({"QT_QPA_PLATFORM": "xcb"}, "linux", True), ({"QT_QPA_PLATFORM": "offscreen"}, "linux", False),
    ({"QT_QPA_PLATFORM": "wayland;xcb"}, "linux", False), ({"QT_QPA_PLATFORM": "xcb:nograb"}, "linux", True),
    ({"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}, "linux", False), ({}, "darwin", False),
    ({}, "win32", False),
])
def test_when_qt_uses_xcb(env, platform, expected):
    assert uses_xcb(env, platform) is expected


def test_missing_cursor_library_names_the_package():
    problem = platform_problem(X11, "linux", load=lambda soname: soname != "libxcb-cursor.so.0",
                               connect=lambda d: True)
    assert problem == ("the window needs libxcb-cursor.so.0 (Qt's xcb platform plugin), which is not installed. "
                       "Install it: sudo apt-get install libxcb-cursor0")


def test_several_missing_and_none_missing():
    problem = platform_problem(X11, "linux", load=lambda s: s not in ("libxcb-icccm.so.4", "libxcb-keysyms.so.1"))
    assert problem.endswith("are not installed. Install them: sudo apt-get install libxcb-icccm4 libxcb-keysyms1")
    assert platform_problem(X11, "linux", load=lambda s: True, connect=lambda d: True) is None
    assert "cannot connect to the X display ':0'" in platform_problem(X11, "linux", load=lambda s: True,
                                                                       connect=lambda d: False)
    assert platform_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux", load=lambda s: False) is None
    assert platform_problem({}, "darwin", load=lambda s: False) is None


def test_no_display_at_all():
    assert "DISPLAY is not set" in platform_problem({}, "linux", load=lambda s: True)


def _launch(code: str, **env):
    environ = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    environ.update(PYTHONPATH=str(ROOT), RERANK_PLAYGROUND_HOME=env.pop("home"), **env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=environ,
                          cwd=ROOT)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="xcb is the Linux platform plugin")
def test_launch_stops_before_qt_with_the_cursor_library_hidden(tmp_path):
    """The real start-up path (app.cli.main with no command) in a subprocess, libxcb-cursor made unloadable."""
    code = ("import sys, app.ui.qt_platform as q; real = q.can_load;"
            "q.can_load = lambda s: s != 'libxcb-cursor.so.0' and real(s);"
            "from app.cli import main; rc = main([]);"
            "print('qt-widgets-imported' if 'PySide6.QtWidgets' in sys.modules else 'qt-not-started'); sys.exit(rc)")
    proc = _launch(code, DISPLAY=":0", home=str(tmp_path))
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: the window needs libxcb-cursor.so.0") and proc.stderr.count("\n") == 1
    assert "sudo apt-get install libxcb-cursor0" in proc.stderr and "qt-not-started" in proc.stdout


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="xcb is the Linux platform plugin")
def test_launch_on_this_machine_without_an_x_server(tmp_path):
    """No injection: DISPLAY names a display nobody serves (Qt itself would abort, exit 134), or this machine
    really lacks some of Qt's xcb libraries: either way one line and exit 2."""
    display = next(f":{n}" for n in range(99, 200) if not os.path.exists(f"/tmp/.X11-unix/X{n}"))
    proc = _launch("import sys; from app.cli import main; sys.exit(main([]))", DISPLAY=display, home=str(tmp_path))
    missing = missing_xcb_libraries()
    expected = (f"sudo apt-get install {' '.join(p for _, p in missing)}" if missing
                else f"cannot connect to the X display '{display}'")
    assert proc.returncode == 2 and expected in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr


def test_every_library_is_mapped_to_a_package_named_in_the_deb_and_readme():
    control = (ROOT / "packaging" / "linux" / "build.sh").read_text(encoding="utf-8")
    depends = next(line for line in control.splitlines() if line.startswith("Depends:"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for _, package in XCB_LIBRARIES:
        assert package in depends and package in readme, package
