"""Import a model file or folder from anywhere on disk: it is registered where it is, never copied."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from app.core.errors import BadInputError
from app.core.safe_files import check_regular
from app.hub.artifacts import Artifact, HubFile, group
from app.hub.store import hub_data_dir, read_json, set_aside, write_json

log = logging.getLogger(__name__)

REGISTRY = "imports.json"
_MAX_FILES = 2000  # a folder with more files than this is not a model folder


@dataclass(frozen=True)
class ImportedModel:
    name: str  # "local/<folder>"; what `score --model` and the catalogue call it
    path: str  # absolute folder holding the model (its config/tokenizer live here)
    file: str  # the artifact inside it: the .gguf / .onnx file or the CT2 folder ('' = the folder itself)
    format: str
    quant: str
    size: int
    added: float

    @property
    def exists(self) -> bool:
        return (Path(self.path) / self.file).exists()


_TYPES = {"name": str, "path": str, "file": str, "format": str, "quant": str, "size": int, "added": (int, float)}


def _entry(item: object) -> ImportedModel | None:
    if not isinstance(item, dict) or set(item) != {f.name for f in fields(ImportedModel)}:
        return None
    if any(isinstance(item[k], bool) or not isinstance(item[k], t) for k, t in _TYPES.items()):
        return None
    return ImportedModel(**item)


def list_imports() -> list[ImportedModel]:
    """The registered imports. Entries of the wrong shape are dropped once, after the whole file is copied
    aside (``imports.json.damaged-<time>``, with a warning), so they are never lost silently."""
    out, bad = [], []
    for n, item in enumerate(read_json(REGISTRY, [])):
        entry = _entry(item)
        if entry is None:
            bad.append(n)
        else:
            out.append(entry)
    if bad:
        set_aside(hub_data_dir() / REGISTRY, f"entries {', '.join(map(str, bad))} are not imports this app "
                  "wrote; they are skipped", move=False)
        try:
            _save(out)  # once: the next read finds a clean registry (the full file is in the backup)
        except OSError as exc:
            log.warning("could not rewrite %s: %s", REGISTRY, exc)
    return out


def _save(items: list[ImportedModel]) -> None:
    write_json(REGISTRY, [asdict(i) for i in items])


def _scan(folder: Path) -> list[HubFile]:
    """Regular files under ``folder`` (links to folders not followed); unreadable entries are left out."""
    files = []
    for root, _dirs, names in os.walk(folder, followlinks=False):
        for name in names:
            p = Path(root) / name
            try:
                st = p.stat()
            except OSError:
                continue  # a broken link, or no permission: not part of a model
            if not p.is_file():
                continue
            files.append(HubFile(p.relative_to(folder).as_posix(), st.st_size))
            if len(files) > _MAX_FILES:
                raise BadInputError(f"{folder} holds more than {_MAX_FILES} files; choose the model's own folder.")
    return files


def _artifacts_for(path: Path) -> tuple[Path, list[Artifact]]:
    """The folder to register and the runnable artifacts found for ``path`` (a file or a folder)."""
    if path.is_dir() and (path / "model.bin").is_file():  # a CT2 folder: its tokenizer may sit above it
        path = path / "model.bin"
    elif path.is_dir():
        return path, [a for a in group(_scan(path)).artifacts if a.runnable]
    if path.suffix.lower() == ".gguf":
        with path.open("rb") as fh:
            if fh.read(4) != b"GGUF":
                raise BadInputError(f"{path} is named .gguf but is not a GGUF file (no GGUF header).")
        return path.parent, [a for a in group([HubFile(path.name, path.stat().st_size)]).artifacts]
    if path.suffix.lower() == ".onnx" or path.name == "model.bin":
        for root in (path.parent, path.parent.parent, path.parent.parent.parent):
            if (root / "tokenizer.json").is_file():
                rel = path.relative_to(root).as_posix()
                return root, [a for a in group(_scan(root)).artifacts if a.runnable and a.matches(rel)]
        raise BadInputError(f"No tokenizer.json next to {path} (looked in its folder and two above). Import the "
                            "folder that holds the model with its config.json and tokenizer.json.")
    raise BadInputError(f"{path} is not a model this app can import: choose a .gguf file, an .onnx file or a folder "
                        "holding one (with config.json and tokenizer.json), or a CTranslate2 folder (model.bin).")


def import_path(path: str | Path) -> list[ImportedModel]:
    """Register every runnable artifact found at ``path``; returns what was added (or already there)."""
    source = Path(path).expanduser().absolute()
    if not source.exists():
        raise BadInputError(f"Nothing to import: {source} does not exist.")
    if not source.is_dir():
        check_regular(source, "Cannot import:")  # a FIFO would block the first read forever
    folder, artifacts = _artifacts_for(source)
    if not artifacts:
        raise BadInputError(f"No runnable model in {source}: it needs a GGUF file, an ONNX file with config.json "
                            "and tokenizer.json, or a CTranslate2 folder. Safetensors weights must be converted first.")
    items = list_imports()
    added = []
    for art in artifacts:
        known = next((i for i in items if i.path == str(folder) and i.file == art.name), None)
        if known:
            added.append(known)
            continue
        item = ImportedModel(_unique_name(folder, items), str(folder), art.name, art.format, art.quant, art.size,
                             time.time())
        items.append(item)
        added.append(item)
    _save(items)
    return added


def _unique_name(folder: Path, items: list[ImportedModel]) -> str:
    """``local/<folder>``, or ``local/<folder>-2``, ``-3``... when another folder already has that name."""
    taken = {i.name for i in items if i.path != str(folder)}
    same = next((i.name for i in items if i.path == str(folder)), None)
    if same:
        return same  # another artifact of a folder already imported keeps its name
    base = f"local/{folder.name}"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return name


def remove_import(name: str, file: str | None = None) -> list[ImportedModel]:
    """Forget imported entries (the files themselves are never touched)."""
    items = list_imports()
    gone = [i for i in items if i.name == name and (file is None or i.file == file)]
    _save([i for i in items if i not in gone])
    return gone
