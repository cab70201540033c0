"""Published artifacts of the same model: Hub repos whose model tree names a given repo as their base model.

A repo's card declares ``base_model: X`` (optionally with ``base_model_relation: quantized | finetune | adapter |
merge``) and the Hub turns it into the tags ``base_model:X`` and ``base_model:RELATION:X``; ``list_models(filter=
"base_model:X")`` finds every child. Quantizations and format conversions (ONNX, GGUF, CT2) are "quantized" (or
carry no relation); fine-tunes, adapters and merges are other models and are listed apart, never mixed in.
Each child's files are grouped into artifacts exactly as for any repo (``remote_listing``), so sizes,
quantizations and the backends that run them are the same as in the Hub tab.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from app.hub.artifacts import Artifact
from app.hub.errors import HubError, HubOfflineError, network_errors, offline_message, translate
from app.hub.listing import RepoListing, check_repo_id, remote_listing
from app.hub.settings import HubSettings

log = logging.getLogger(__name__)
SAME_MODEL = ("quantized", "")  # relations that are the same weights in another format or precision
RUNNABLE_FORMATS = ("gguf", "onnx", "ct2")
_EXPAND = ["downloads", "likes", "tags", "gated", "pipeline_tag"]


@dataclass(frozen=True)
class RelatedRepo:
    repo_id: str
    relation: str  # quantized | finetune | adapter | merge | "" (not stated)
    downloads: int
    likes: int
    gated: bool
    commit: str = ""
    artifacts: tuple[Artifact, ...] = ()
    error: str = ""  # why its files could not be listed (gated, gone, offline)
    listing: RepoListing | None = field(default=None, compare=False, repr=False)  # what a download needs

    @property
    def same_model(self) -> bool:
        return self.relation in SAME_MODEL


@dataclass(frozen=True)
class RelatedArtifact:
    """One runnable artifact of a related repo, for the grouped table."""

    repo: RelatedRepo
    artifact: Artifact

    @property
    def format(self) -> str:
        return self.artifact.format

    @property
    def quant(self) -> str:
        return self.artifact.quant


@dataclass(frozen=True)
class RelatedResult:
    base: str
    repos: tuple[RelatedRepo, ...]
    offline: bool = False
    message: str = ""
    others: tuple[RelatedRepo, ...] = field(default=())  # fine-tunes, adapters, merges: other models

    def artifacts(self) -> list[RelatedArtifact]:
        """Runnable artifacts of the same model, grouped by format then quantization, most downloaded first."""
        rows = [RelatedArtifact(r, a) for r in self.repos for a in r.artifacts
                if a.format in RUNNABLE_FORMATS and a.runnable]
        order = {f: i for i, f in enumerate(RUNNABLE_FORMATS)}
        return sorted(rows, key=lambda x: (order[x.format], x.quant.lower(), -x.repo.downloads, x.repo.repo_id,
                                           x.artifact.name))


def relation_of(tags: list[str] | tuple[str, ...], base: str) -> str:
    """The relation the child's tags state to ``base`` ('' when only ``base_model:X`` is there)."""
    suffix = f":{base}".lower()
    for tag in tags:
        low = str(tag).lower()
        if low.startswith("base_model:") and low.endswith(suffix):
            middle = low[len("base_model:"): -len(suffix)]
            if middle:
                return middle
    return ""


def related(base: str, limit: int = 20, settings: HubSettings | None = None, list_files: bool = True,
            progress: Callable[[int, int], None] | None = None) -> RelatedResult:
    """Children of ``base`` on the Hub, most downloaded first, each with its artifacts listed."""
    settings = settings or HubSettings.current()
    check_repo_id(base)
    if settings.offline:
        return RelatedResult(base, (), True, offline_message(settings.endpoint, "HF_HUB_OFFLINE is set"))
    api = settings.api()
    try:
        found = list(api.list_models(filter=f"base_model:{base}", sort="downloads", limit=limit, expand=_EXPAND))
    except network_errors() as exc:
        err = translate(exc, base, settings.endpoint)
        if isinstance(err, HubOfflineError):
            return RelatedResult(base, (), True, str(err))
        raise err from exc
    children = [RelatedRepo(info.id, relation_of(list(info.tags or []), base), int(info.downloads or 0),
                            int(info.likes or 0), bool(info.gated)) for info in found if info.id != base]
    same = [c for c in children if c.same_model]
    others = tuple(c for c in children if not c.same_model)
    if list_files:
        same = _with_files(same, settings, progress)
    message = "" if same else (f"No quantization or conversion of {base} is published on {settings.endpoint} "
                               "(no repo names it as its base model).")
    return RelatedResult(base, tuple(same), False, message, others)


def _with_files(repos: list[RelatedRepo], settings: HubSettings,
                progress: Callable[[int, int], None] | None) -> list[RelatedRepo]:
    out = []
    for i, repo in enumerate(repos):
        try:
            listing = remote_listing(repo.repo_id, settings=settings)
            out.append(RelatedRepo(repo.repo_id, repo.relation, repo.downloads, repo.likes, repo.gated,
                                   listing.commit, listing.artifacts, listing=listing))
        except HubError as exc:  # one gated or vanished child must not hide the others
            log.info("listing %s failed: %s", repo.repo_id, exc)
            out.append(RelatedRepo(repo.repo_id, repo.relation, repo.downloads, repo.likes, repo.gated,
                                   error=str(exc)))
        if progress is not None:
            progress(i + 1, len(repos))
    return out
