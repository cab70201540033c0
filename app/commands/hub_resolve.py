"""Resolve ``REPO[:FILE]`` model arguments. Without the model manager only local paths work."""

from __future__ import annotations

from app.core.errors import BadInputError


def resolve(model: str, file: str | None, backend: str) -> tuple[str, str | None]:
    raise BadInputError(f"Model not found: {model} is not a local file or folder.")
