"""The Qt-free core stays Qt-free and runtime-free (DESIGN.md style point 1)."""

import ast
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
QT_FREE = ["core", "backends", "hub", "runtime", "serve", "commands"]
RUNTIMES = {"onnxruntime", "llama_cpp", "ctranslate2", "torch", "transformers"}


def _top_level_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_no_qt_outside_ui():
    offenders = [str(p.relative_to(APP)) for d in QT_FREE if (APP / d).is_dir()
                 for p in (APP / d).rglob("*.py") if "PySide6" in _top_level_imports(p)]
    assert offenders == []


def test_core_imports_no_runtime():
    offenders = [str(p.relative_to(APP)) for p in (APP / "core").rglob("*.py")
                 if _top_level_imports(p) & (RUNTIMES | {"PySide6"})]
    assert offenders == []


def test_importing_cli_and_backends_loads_no_runtime_or_qt():
    code = ("import sys, app.cli, app.backends.registry, app.backends.onnx, app.backends.ct2, "
            "app.backends.llamacpp, app.backends.reference; app.cli.build_parser(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "{'PySide6','onnxruntime','llama_cpp','ctranslate2','torch','transformers'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=APP.parent)
    assert out.stdout.strip() == "[]"
