"""Find runnable artifacts inside a model folder (Qt-free): ONNX files, GGUF files, CT2 folders."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MAX_DEPTH = 3


@dataclass(frozen=True)
class Artifact:
    file: str  # relative to the model folder ("" for the folder itself)
    backend: str


def backend_for(path: Path) -> str | None:
    """The backend that runs this file or folder, or None."""
    if path.is_dir():
        return "ct2" if (path / "model.bin").is_file() else None
    if path.suffix == ".onnx":
        return "onnx"
    if path.suffix == ".gguf":
        return "gguf"
    if path.name == "model.bin":
        return "ct2"
    if path.suffix == ".safetensors":
        return "torch"  # the transformers reference
    return None


def list_artifacts(folder: Path) -> list[Artifact]:
    """Artifacts in ``folder`` (up to three levels deep), sorted by backend then name."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found: list[Artifact] = []
    if backend_for(folder) == "ct2":
        found.append(Artifact("", "ct2"))
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if len(rel.parts) > MAX_DEPTH or any(p.startswith(".") for p in rel.parts):
            continue
        if path.is_dir():
            if backend_for(path) == "ct2":
                found.append(Artifact(rel.as_posix(), "ct2"))
        elif path.suffix in (".onnx", ".gguf") and not path.name.endswith(".ortopt.onnx"):
            found.append(Artifact(rel.as_posix(), backend_for(path) or ""))
        elif path.name == "model.safetensors" and (path.parent / "config.json").is_file():
            found.append(Artifact(rel.as_posix(), "torch"))
    order = {"onnx": 0, "gguf": 1, "ct2": 2, "torch": 3}
    return sorted(found, key=lambda a: (order.get(a.backend, 3), a.file))
