"""llama.cpp's converter (convert_hf_to_gguf.py + its conversion/ and gguf-py/ packages), matched to the
installed llama-cpp-python.

The wheel does not ship the converter; the source distribution of the same version does (vendor/llama.cpp).
It is fetched once with pip (``pip download --no-binary :all: --no-deps llama-cpp-python==VERSION``, through
the user's own pip configuration and index) and only the converter's files are kept, in
``<app data>/tools/llama.cpp-<VERSION>/`` (about 2 MB). ``RERANK_PLAYGROUND_LLAMA_CPP_DIR`` points at an
existing llama.cpp source tree instead.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

from app.core.errors import BackendUnavailableError, CancelledError
from app.paths import app_home

log = logging.getLogger(__name__)
ENV_DIR = "RERANK_PLAYGROUND_LLAMA_CPP_DIR"
NEEDED = ("convert_hf_to_gguf.py", "conversion/__init__.py", "gguf-py/gguf/__init__.py")
KEEP = ("convert_hf_to_gguf.py", "conversion/", "gguf-py/", "LICENSE")


def llama_cpp_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("llama-cpp-python")
    except PackageNotFoundError as exc:
        raise BackendUnavailableError("llama-cpp-python is not installed, so its GGUF converter cannot be "
                                      "matched to it: pip install llama-cpp-python") from exc


def tools_dir() -> Path:
    return app_home() / "tools"


def is_tree(folder: Path) -> bool:
    return all((folder / rel).is_file() for rel in NEEDED)


def cached_tree() -> Path | None:
    """The converter tree to use, when one is on disk (the env override, or the cache for this version)."""
    override = os.environ.get(ENV_DIR)
    if override:
        folder = Path(override).expanduser()
        if not is_tree(folder):
            raise BackendUnavailableError(f"{ENV_DIR}={folder} is not a llama.cpp source tree (it needs "
                                          f"{', '.join(NEEDED)}).")
        return folder
    folder = tools_dir() / f"llama.cpp-{llama_cpp_version()}"
    return folder if is_tree(folder) else None


def _extract(archive: Path, dest: Path) -> None:
    """Only the converter's files of vendor/llama.cpp, refusing links and paths that leave ``dest``."""
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            parts = member.name.split("/", 1)
            rel = parts[1] if len(parts) == 2 else ""
            if not rel.startswith("vendor/llama.cpp/"):
                continue
            rel = rel.removeprefix("vendor/llama.cpp/")
            if not rel.startswith(KEEP) or not (member.isfile() or member.isdir()):
                continue
            target = (dest / rel).resolve()
            if not target.is_relative_to(dest.resolve()):
                continue
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as src, target.open("wb") as out:
                shutil.copyfileobj(src, out)


def fetch(log_line: Callable[[str], None] = log.info, cancelled: Callable[[], bool] | None = None) -> Path:
    """The converter tree for the installed llama-cpp-python, fetched (pip download) and cached once."""
    found = cached_tree()
    if found is not None:
        return found
    version = llama_cpp_version()
    dest = tools_dir() / f"llama.cpp-{version}"
    dest.parent.mkdir(parents=True, exist_ok=True)
    log_line(f"fetching llama.cpp's converter: the llama-cpp-python {version} source distribution (pip download, "
             f"once; kept in {dest})")
    with tempfile.TemporaryDirectory(prefix="llama-sdist-", dir=dest.parent) as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps", "--quiet",
               f"llama-cpp-python=={version}", "-d", tmp]
        run_cancellable(cmd, cancelled, what="pip download of the llama-cpp-python source")
        archives = sorted(Path(tmp).glob("llama_cpp_python-*.tar.gz"))
        if not archives:
            raise BackendUnavailableError(f"pip download wrote no llama_cpp_python-{version}.tar.gz; fetch it by "
                                          f"hand and set {ENV_DIR} to its vendor/llama.cpp folder.")
        staging = Path(tmp) / "tree"
        _extract(archives[0], staging)
        if not is_tree(staging):
            raise BackendUnavailableError(f"The llama-cpp-python {version} source has no converter "
                                          f"(vendor/llama.cpp/{NEEDED[0]}); set {ENV_DIR} to a llama.cpp tree.")
        shutil.rmtree(dest, ignore_errors=True)
        os.replace(staging, dest)
    return dest


def run_cancellable(cmd: list[str], cancelled: Callable[[], bool] | None, what: str, cwd: Path | None = None,
                    env: dict | None = None) -> str:
    """Run a subprocess, polling ``cancelled``; stderr's tail goes into the error. Returns stdout."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)
        try:
            while True:
                try:
                    proc.wait(timeout=0.2)
                    break
                except subprocess.TimeoutExpired:
                    if cancelled is not None and cancelled():
                        raise CancelledError() from None
        except BaseException:  # cancelled, Ctrl+C: stop the child too
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
            raise
        err.seek(0)
        out.seek(0)
        if proc.returncode != 0:
            tail = err.read().decode("utf-8", "replace").strip().splitlines()[-12:]
            raise RuntimeError(f"{what} failed (exit {proc.returncode}):\n" + "\n".join(tail))
        return out.read().decode("utf-8", "replace")
