"""Search the Hub for rerankers, most downloaded first; says plainly when the Hub cannot be reached."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from app.hub.errors import HubOfflineError, network_errors, offline_message, translate
from app.hub.settings import HubSettings
from app.hub.status import hub_status

log = logging.getLogger(__name__)
RERANK_WORDS = ("rerank", "cross-encoder", "crossencoder", "cross_encoder")
RERANK_PIPELINES = ("text-ranking",)
_EXPAND = ["downloads", "likes", "pipeline_tag", "tags", "gated", "lastModified", "library_name"]
_FORMAT_TAGS = {"gguf": "gguf", "onnx": "onnx", "ctranslate2": "ct2", "safetensors": "safetensors"}


@dataclass(frozen=True)
class SearchHit:
    repo_id: str
    downloads: int
    likes: int
    pipeline_tag: str | None
    tags: tuple[str, ...]
    gated: bool
    custom_code: bool
    last_modified: str | None
    formats: tuple[str, ...]  # formats the repo's tags or name announce (the file listing is the truth)

    @property
    def is_reranker(self) -> bool:
        name = self.repo_id.lower()
        return (self.pipeline_tag in RERANK_PIPELINES or any(w in name for w in RERANK_WORDS)
                or any(t in ("reranker", "cross-encoder", "text-ranking") for t in self.tags))


@dataclass(frozen=True)
class SearchResult:
    query: str
    hits: tuple[SearchHit, ...]
    offline: bool = False
    message: str = ""  # why there are no hits: offline, or nothing found


def _hit(info) -> SearchHit:
    tags = tuple(str(t) for t in (info.tags or []))
    name = info.id.lower()
    formats = {fmt for tag, fmt in _FORMAT_TAGS.items() if tag in tags}
    formats |= {fmt for word, fmt in (("gguf", "gguf"), ("onnx", "onnx"), ("ct2", "ct2")) if word in name}
    last = info.last_modified.isoformat() if getattr(info, "last_modified", None) else None
    return SearchHit(info.id, int(info.downloads or 0), int(info.likes or 0), info.pipeline_tag, tags,
                     bool(info.gated), "custom_code" in tags, last, tuple(sorted(formats)))


def _query(api, text: str, pipeline_tag: str | None, limit: int) -> list[SearchHit]:
    found = api.list_models(search=text or None, pipeline_tag=pipeline_tag, sort="downloads", limit=limit,
                            expand=_EXPAND)
    return [_hit(info) for info in found]


def search(text: str, limit: int = 30, include_all: bool = False,
           settings: HubSettings | None = None) -> SearchResult:
    """Rerankers matching ``text`` (all models with ``include_all``), sorted by downloads.

    Two queries are merged: the ``text-ranking`` pipeline, and a plain name search filtered to reranker-looking
    repos (text-classification cross-encoders are often not tagged text-ranking).
    """
    settings = settings or HubSettings.current()
    text = text.strip()
    if settings.offline:
        return SearchResult(text, (), True, offline_message(settings.endpoint, "HF_HUB_OFFLINE is set"))
    status = hub_status(probe=True, settings=settings)  # fail in a second, not after a minute of retries
    if status.offline:
        return SearchResult(text, (), True, offline_message(settings.endpoint, status.reason))
    api = settings.api()
    try:
        hits: dict[str, SearchHit] = {}
        for words in [text] if text else ["rerank", "cross-encoder"]:
            for h in _query(api, words, None, max(limit * 4, 100)):
                hits.setdefault(h.repo_id, h)
        if not include_all:
            hits = {k: h for k, h in hits.items() if h.is_reranker}
            for h in _query(api, text, RERANK_PIPELINES[0], limit):
                hits.setdefault(h.repo_id, h)
    except network_errors() as exc:
        err = translate(exc, "search", settings.endpoint)
        if isinstance(err, HubOfflineError):
            return SearchResult(text, (), True, str(err))
        raise err from exc
    ordered = sorted(hits.values(), key=lambda h: (-h.downloads, h.repo_id))[:limit]
    message = "" if ordered else f"No reranker found on {settings.endpoint} for '{text}'."
    return SearchResult(text, tuple(ordered), False, message)
