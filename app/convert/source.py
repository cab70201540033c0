"""The checkpoint to convert: a local transformers folder, or a Hub repo downloaded by the model manager."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from app.backends.reference import weights_folder
from app.core.errors import BadInputError

# Tokenizer files a converter may need beyond tokenizer.json (llama.cpp's XLM-R path reads the sentencepiece
# model; CT2 and transformers read the rest), fetched with the safetensors when the repo has them.
EXTRA_FILES = ("sentencepiece.bpe.model", "tokenizer.model", "spm.model", "vocab.txt", "vocab.json",
               "merges.txt", "added_tokens.json", "generation_config.json")


@dataclass(frozen=True)
class Source:
    folder: Path
    name: str  # a folder name for the output: "owner--name" for a repo, the folder's name for a path
    provenance: dict


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _weights(folder: Path) -> dict[str, str]:
    return {p.name: sha256_of(p) for p in sorted(folder.glob("*.safetensors"))}


def local_source(path: Path) -> Source:
    folder = weights_folder(path.expanduser().absolute())
    for name in ("config.json", "tokenizer.json"):
        if not (folder / name).is_file():
            raise BadInputError(f"{folder} has no {name}: convert needs a transformers folder with config.json, "
                                "tokenizer.json and model.safetensors.")
    return Source(folder, folder.name, {"kind": "local", "path": str(folder), "sha256": _weights(folder)})


def hub_source(repo_id: str, progress: Callable | None = None, cancelled: Callable[[], bool] | None = None,
               ) -> Source:
    """Download (or find in the cache) the repo's safetensors checkpoint with its config and tokenizer files."""
    from app.hub import choose, local_listing, pull, remote_listing
    from app.hub.listing import check_repo_id, snapshot_path
    from app.hub.settings import HubSettings

    check_repo_id(repo_id)
    settings = HubSettings.current()
    listing = local_listing(repo_id, "main", settings)
    if listing is None or not _has_weights(listing):
        if settings.offline:
            raise BadInputError(f"{repo_id} is not in the cache and downloads are off (HF_HUB_OFFLINE); pull it "
                                f"when online: rerank-playground models pull {repo_id} --format safetensors")
        listing = remote_listing(repo_id, "main", settings)
    art = choose(listing.artifacts, fmt="safetensors", repo_id=repo_id)
    present = {f.path for f in listing.files}
    extras = tuple(f for f in EXTRA_FILES if f in present and f not in art.files)
    art = replace(art, side_files=art.side_files + extras)
    if not listing.local or not all((snapshot_path(repo_id, listing.commit, settings) / f).exists()
                                    for f in art.files):
        listing = remote_listing(repo_id, "main", settings) if listing.local else listing
        pull(listing, art, progress=progress, cancelled=cancelled, settings=settings)
    folder = snapshot_path(repo_id, listing.commit, settings)
    return Source(folder, repo_id.replace("/", "--"), {"kind": "hub", "repo": repo_id, "revision": listing.commit,
                                                       "sha256": _weights(folder)})


def _has_weights(listing) -> bool:
    return any(a.format == "safetensors" for a in listing.artifacts)


def resolve_source(src: str, progress: Callable | None = None, cancelled: Callable[[], bool] | None = None,
                   ) -> Source:
    path = Path(src).expanduser()
    if path.exists():
        return local_source(path)
    if src.count("/") == 1 and not src.startswith((".", "/", "~")):
        return hub_source(src.strip("/"), progress, cancelled)
    raise BadInputError(f"Nothing to convert at {src}: give a transformers folder (config.json, tokenizer.json, "
                        "model.safetensors) or a Hub repo id (owner/name).")
