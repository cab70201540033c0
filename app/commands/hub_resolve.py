"""Resolve ``--model REPO[:FILE]`` (or an imported ``local/NAME``): from the cache, offline; else pull it."""

from __future__ import annotations

import sys


def resolve(model: str, file: str | None, backend: str) -> tuple[str, str | None]:
    """(folder, file inside it) for a backend; downloads with a progress bar on stderr when not cached."""
    from app.commands.models import INTERRUPTED, _progress_bar
    from app.core.errors import BadInputError, CancelledError
    from app.hub import resolve as hub_resolve
    from app.hub.listing import check_repo_id
    from app.hub.resolve import parse_spec

    repo_id, _ = parse_spec(model)
    if not repo_id.startswith("local/"):
        try:
            check_repo_id(repo_id)
        except BadInputError:
            raise BadInputError(f"Model not found: {model} is not a local file or folder, nor a Hub repo id "
                                "(owner/name[:file]).") from None
    bar = _progress_bar()
    try:
        resolved = hub_resolve(model, file, backend, progress=bar)
    except (KeyboardInterrupt, CancelledError):
        print(INTERRUPTED, file=sys.stderr)
        raise CancelledError(INTERRUPTED) from None
    finally:
        bar.close()
    if resolved.source == "download":
        print(f"downloaded {resolved.repo_id}:{resolved.file or ''} to {resolved.path}", file=sys.stderr)
    return str(resolved.path), resolved.file
