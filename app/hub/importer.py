"""Import a model file or folder from anywhere on disk: it is registered where it is, never copied."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path

from app.core.errors import BadInputError
from app.hub.artifacts import Artifact, HubFile, group
from app.hub.store import read_json, write_json

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


def list_imports() -> list[ImportedModel]:
    out = []
    for item in read_json(REGISTRY, []):
        try:
            out.append(ImportedModel(**item))
        except TypeError:
            continue
    return out


def _save(items: list[ImportedModel]) -> None:
    write_json(REGISTRY, [asdict(i) for i in items])


def _scan(folder: Path) -> list[HubFile]:
    files = []
    for p in folder.rglob("*"):
        if p.is_file():
            files.append(HubFile(p.relative_to(folder).as_posix(), p.stat().st_size))
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
        item = ImportedModel(f"local/{folder.name}", str(folder), art.name, art.format, art.quant, art.size,
                             time.time())
        items.append(item)
        added.append(item)
    _save(items)
    return added


def remove_import(name: str, file: str | None = None) -> list[ImportedModel]:
    """Forget imported entries (the files themselves are never touched)."""
    items = list_imports()
    gone = [i for i in items if i.name == name and (file is None or i.file == file)]
    _save([i for i in items if i not in gone])
    return gone
