"""Is the Hub reachable? ``HF_HUB_OFFLINE`` answers at once; otherwise an optional quick probe."""

from __future__ import annotations

from dataclasses import dataclass

from app.hub.settings import HubSettings


@dataclass(frozen=True)
class HubStatus:
    endpoint: str
    cache_dir: str
    offline: bool
    reason: str  # why offline ("HF_HUB_OFFLINE is set", "connection refused ..."), or "" when online
    has_token: bool


def hub_status(probe: bool = False, timeout_s: float = 3.0, settings: HubSettings | None = None) -> HubStatus:
    """Offline when ``HF_HUB_OFFLINE`` is set, or (with ``probe``) when a tiny search request fails."""
    settings = settings or HubSettings.current()
    base = (settings.endpoint, str(settings.cache_dir))
    if settings.offline:
        return HubStatus(*base, True, "HF_HUB_OFFLINE is set", bool(settings.token))
    if probe:
        import httpx2
        from huggingface_hub.utils import get_session

        try:
            get_session().get(f"{settings.endpoint}/api/models", params={"limit": 1}, timeout=timeout_s)
        except (httpx2.TransportError, OSError) as exc:
            return HubStatus(*base, True, f"{type(exc).__name__}: {str(exc)[:120]}", bool(settings.token))
    return HubStatus(*base, False, "", bool(settings.token))
