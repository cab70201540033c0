"""Find the artifact to load inside a model folder and the folder holding its config and tokenizer."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from app.core.errors import BadInputError, ModelLoadError
from app.core.families import (
    ModelFamily,
    detect_from_config,
    family_by_name,
    read_card,
    read_config,
    read_hint,
    with_prompt_format,
)
from app.core.model_config import BadConfigError

_MAGIC = {b"GGUF": "gguf"}


def sniff_format(path: Path) -> str | None:
    """'gguf', 'onnx', 'ct2' or None, from the file's content or the folder's files."""
    if path.is_dir():
        if (path / "model.bin").is_file():
            return "ct2"
        return None
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError:
        return None
    if head in _MAGIC:
        return _MAGIC[head]
    if path.suffix == ".onnx":
        return "onnx"
    if path.name == "model.bin":
        return "ct2"
    return None


def wrong_format(path: Path, expected: str) -> BadInputError:
    found = sniff_format(path)
    hint = f" It looks like a {found.upper()} artifact: choose the '{found}' backend." if found else ""
    return BadInputError(f"{path} is not a{'n' if expected[0] in 'aeiou' else ''} {expected.upper()} "
                         f"artifact.{hint}")


def model_path(path: str, file: str | None) -> Path:
    base = Path(path).expanduser()
    target = base / file if file else base
    if not target.exists():
        what = f"'{file}' in {base}" if file else str(base)
        raise ModelLoadError(f"Model not found: {what}. Check the path, or download it with "
                             "'rerank-playground models pull'.")
    return target


def find_file(folder: Path, suffix: str, preferred: tuple[str, ...]) -> Path:
    """Pick the artifact in a folder: a preferred relative path, else the only file with ``suffix``."""
    for rel in preferred:
        if (folder / rel).is_file():
            return folder / rel
    found = sorted(p for p in folder.rglob(f"*{suffix}") if p.is_file())
    if len(found) == 1:
        return found[0]
    if not found:
        raise ModelLoadError(f"No {suffix} file in {folder}. Choose a folder or file with a {suffix} model.")
    names = ", ".join(str(p.relative_to(folder)) for p in found[:8])
    raise BadInputError(f"{folder} holds several {suffix} files ({names}); pick one with --file.")


def config_root(artifact: Path) -> Path:
    """The nearest folder (the artifact's own, or up to two levels up) holding a config.json."""
    start = artifact if artifact.is_dir() else artifact.parent
    for folder in (start, start.parent, start.parent.parent):
        try:
            read_config(folder)
            return folder
        except BadConfigError:  # there, but unusable: say so rather than "no config.json"
            raise
        except ModelLoadError as exc:
            if "not valid JSON" in str(exc):
                raise
    raise ModelLoadError(f"No transformers config.json next to {artifact} (looked in its folder and two above). "
                         "The model's config.json and tokenizer.json must sit beside it.")


def tokenizer_root(artifact: Path) -> Path:
    start = artifact if artifact.is_dir() else artifact.parent
    for folder in (start, start.parent, start.parent.parent):
        if (folder / "tokenizer.json").is_file():
            return folder
    raise ModelLoadError(f"No tokenizer.json next to {artifact} (looked in its folder and two above).")


def labels_unstated(config: dict) -> bool:
    """True when config.json gives no label count (transformers 5 omits id2label for the default 2 labels)."""
    return "num_labels" not in config and not config.get("id2label")


def with_labels(family: ModelFamily, labels: int) -> ModelFamily:
    """The family with the label count read from the weights (1: sigmoid, 2: softmax)."""
    return replace(family, num_labels=labels, score_rule="sigmoid" if labels == 1 else "softmax")


def family_for(root: Path, override: str | None, prompt_format: str | None = None) -> ModelFamily:
    config = read_config(root)
    if labels_unstated(config):
        from app.backends.checkpoint import head_labels

        labels = head_labels(root)  # the classifier's shape in model.safetensors' header
        if labels is not None:
            config = {**config, "num_labels": labels}
    if override:
        family = family_by_name(override, config)
    else:
        family = detect_from_config(config, hint=read_hint(root), card=read_card(root))
    return with_prompt_format(family, prompt_format)
