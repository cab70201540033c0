"""Pick an artifact (by file, format, quantization or backend) and turn ``REPO[:FILE]`` into files on disk."""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import BadInputError
from app.hub.artifacts import FORMATS, Artifact
from app.hub.download import ProgressCallback, pull
from app.hub.errors import HubOfflineError
from app.hub.importer import list_imports
from app.hub.listing import check_repo_id, local_listing, remote_listing, snapshot_path
from app.hub.safety import check_name, is_pickle
from app.hub.settings import HubSettings
from app.hub.store import record_use, usage_key

log = logging.getLogger(__name__)
_PREFERRED = {  # default artifact per format when the user names none (first match wins)
    "onnx": ("fp32", "int8", "O3", "O2", "O1", "fp16", "O4 (fp16)"),
    "gguf": ("Q8_0", "F16", "BF16", "F32", "Q6_K", "Q5_K_M", "Q4_K_M"),
    "ct2": ("int8", "as converted", "int8_float16", "float16", "float32"),
}


@dataclass(frozen=True)
class ResolvedModel:
    path: Path  # folder for BackendConfig.path
    file: str | None  # BackendConfig.file inside it
    repo_id: str
    artifact: Artifact | None
    source: str  # "cache", "download" or "imported"


def parse_spec(spec: str) -> tuple[str, str | None]:
    """``owner/name[:path/in/repo]`` -> (repo id, file or None)."""
    repo_id, sep, file = spec.strip().partition(":")
    return repo_id.strip("/"), (file.strip("/") or None) if sep else None


def _names(artifacts: Sequence[Artifact]) -> str:
    return ", ".join(f"{a.name or '(root)'} [{a.format} {a.quant}]" for a in artifacts[:12]) or "none"


def _by_quant(candidates: list[Artifact], quant: str) -> list[Artifact]:
    q = quant.lower()
    exact = [a for a in candidates if a.quant.lower() == q]
    if exact:
        return exact
    return [a for a in candidates if q in a.quant.lower() or q in posixpath.basename(a.name).lower()]


def _default(candidates: list[Artifact], fmt: str) -> Artifact:
    ranked = sorted(candidates, key=lambda a: (bool(a.notes), a.name.count("/")))
    for quant in _PREFERRED.get(fmt, ()):
        for art in ranked:
            if art.quant == quant:
                return art
    return ranked[0]


def choose(artifacts: Sequence[Artifact], *, file: str | None = None, fmt: str | None = None,
           quant: str | None = None, repo_id: str = "the repo") -> Artifact:
    """The one artifact named by ``file``, or by ``fmt`` (+ ``quant``); a clear error listing the choices otherwise."""
    if file:
        check_name(file)
        if is_pickle(file):
            raise BadInputError(f"{file} is a pickle file: this app never downloads or loads pickles. Choose an "
                                "ONNX, GGUF or CT2 artifact.")
        found = [a for a in artifacts if a.matches(file)]
        if not found:
            raise BadInputError(f"No artifact '{file}' in {repo_id}. Available: {_names(artifacts)}.")
        return found[0]
    if fmt and fmt not in FORMATS:
        raise BadInputError(f"Unknown format '{fmt}'; choose one of {', '.join(FORMATS)}.")
    candidates = [a for a in artifacts if a.format == fmt] if fmt else list(artifacts)
    if quant:
        candidates = _by_quant(candidates, quant)
        if len(candidates) > 1:
            raise BadInputError(f"'{quant}' matches several artifacts in {repo_id}: {_names(candidates)}. "
                                "Name one with --file.")
    if not candidates:
        what = " ".join(x for x in (fmt and fmt.upper(), quant) if x) or "runnable"
        raise BadInputError(f"No {what} artifact in {repo_id}. Available: {_names(artifacts)}.")
    if fmt:
        return _default(candidates, fmt)
    runnable = [a for a in candidates if a.runnable]
    if len(runnable) == 1:
        return runnable[0]
    raise BadInputError(f"{repo_id} has {len(candidates)} artifacts: {_names(candidates)}. Choose one with --file, "
                        "or --format (gguf, onnx, ct2) and --quant.")


class WrongBackendError(BadInputError):
    """The artifact named exists, but the chosen backend cannot run its format."""


# The transformers reference backend runs the safetensors checkpoint (which the artifact grouping calls
# "convert first", because no exported-format runtime loads it).
REFERENCE_FORMAT = {"torch": "safetensors"}


def _for_backend(artifacts: Sequence[Artifact], file: str | None, backend: str | None, repo_id: str) -> Artifact:
    fmt = REFERENCE_FORMAT.get(backend or "", backend)
    art = choose(artifacts, file=file, fmt=None if file else fmt, repo_id=repo_id)
    if backend and backend not in art.backends and REFERENCE_FORMAT.get(backend) != art.format:
        runs = f"the '{art.backends[0]}' backend" if art.backends else "no backend here"
        notes = f" ({'; '.join(art.notes)})" if art.notes else ""
        raise WrongBackendError(f"{art.name} is a {art.format.upper()} artifact: {runs} can run it, not '{backend}'{notes}.")
    return art


def _imported(name: str, file: str | None, backend: str | None) -> ResolvedModel | None:
    items = [i for i in list_imports() if i.name == name and (file is None or i.file == file)]
    if backend:
        items = [i for i in items if i.format == REFERENCE_FORMAT.get(backend, backend)] or items
    if not items:
        return None
    folders = sorted({i.path for i in items})
    if len(folders) > 1:  # registered by an older version, which named every folder "local/<folder name>"
        raise BadInputError(f"{name} names {len(folders)} imported folders ({', '.join(folders)}). Forget them with "
                            f"'rerank-playground models rm {name}' and import each folder again: each then gets "
                            "its own name.")
    item = items[0]
    record_use(usage_key(item.name, item.file))
    return ResolvedModel(Path(item.path), item.file or None, item.name, None, "imported")


def _complete(listing, art: Artifact) -> bool:
    present = {f.path for f in listing.files}
    return all(f in present for f in art.files)


def resolve(spec: str, file: str | None = None, backend: str | None = None, *, allow_download: bool = True,
            progress: ProgressCallback | None = None, cancelled: Callable[[], bool] | None = None,
            settings: HubSettings | None = None) -> ResolvedModel:
    """Files for ``REPO[:FILE]`` on disk: from the cache (no network at all), else pulled from the Hub."""
    settings = settings or HubSettings.current()
    repo_id, spec_file = parse_spec(spec)
    file = spec_file or file
    imported = _imported(repo_id, file, backend)
    if imported:
        return imported
    check_repo_id(repo_id)
    local = local_listing(repo_id, "main", settings)
    if local is not None:
        try:
            art = _for_backend(local.artifacts, file, backend, repo_id)
            if _complete(local, art):
                record_use(usage_key(repo_id, art.name))
                return ResolvedModel(snapshot_path(repo_id, local.commit, settings), art.name or None, repo_id, art, "cache")
        except WrongBackendError:
            raise
        except BadInputError:
            log.debug("%s: no matching artifact in the cache", spec)
    if not allow_download or settings.offline:
        raise HubOfflineError(f"{repo_id}{':' + file if file else ''} is not in the cache ({settings.cache_dir}) and "
                              "downloads are off (HF_HUB_OFFLINE or no network). Pull it when online: "
                              f"rerank-playground models pull {repo_id}" + (f" --file {file}" if file else ""))
    remote = remote_listing(repo_id, "main", settings)
    art = _for_backend(remote.artifacts, file, backend, repo_id)
    result = pull(remote, art, progress=progress, cancelled=cancelled, settings=settings)
    record_use(usage_key(repo_id, art.name))
    return ResolvedModel(result.snapshot, art.name or None, repo_id, art, "download")

