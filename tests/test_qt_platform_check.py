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
    problem = platform_problem(X11, "linux", load=lambda soname: soname != "libxcb-cursor.so.0")
    assert problem == ("the window needs libxcb-cursor.so.0 (Qt's xcb platform plugin), which is not installed. "
                       "Install it: sudo apt-get install libxcb-cursor0")


def test_several_missing_and_none_missing():
    problem = platform_problem(X11, "linux", load=lambda s: s not in ("libxcb-icccm.so.4", "libxcb-keysyms.so.1"))
    assert problem.endswith("are not installed. Install them: sudo apt-get install libxcb-icccm4 libxcb-keysyms1")
    assert platform_problem(X11, "linux", load=lambda s: True) is None
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


@pytest.mark.skipif(not sys.platform.startswith("linux") or not missing_xcb_libraries(),
                    reason="needs a machine where an xcb library Qt needs is really missing")
def test_launch_on_this_machine_names_what_is_really_missing(tmp_path):
    """No injection: this machine lacks some of Qt's xcb libraries; Qt itself would abort with exit 134."""
    proc = _launch("import sys; from app.cli import main; sys.exit(main([]))", DISPLAY=":99", home=str(tmp_path))
    packages = " ".join(p for _, p in missing_xcb_libraries())
    assert proc.returncode == 2 and proc.stderr.strip().endswith(f"sudo apt-get install {packages}"), proc.stderr


def test_every_library_is_mapped_to_a_package_named_in_the_deb_and_readme():
    control = (ROOT / "packaging" / "linux" / "build.sh").read_text(encoding="utf-8")
    depends = next(line for line in control.splitlines() if line.startswith("Depends:"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for _, package in XCB_LIBRARIES:
        assert package in depends and package in readme, package
