"""Where the Hub is and where its cache lives, read from the environment at call time.

huggingface_hub reads ``HF_ENDPOINT``, ``HF_HOME`` and ``HF_HUB_OFFLINE`` once, when it is first imported
(``huggingface_hub.constants``). The app reads them again on every call and passes endpoint, cache folder and
token explicitly, so a change of environment (a test, a setting in the GUI) takes effect without a restart.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_ENDPOINT = "https://huggingface.co"
_TRUE = {"1", "on", "yes", "true"}


def _is_true(value: str | None) -> bool:
    return (value or "").strip().lower() in _TRUE


def hf_home() -> Path:
    home = os.environ.get("HF_HOME")
    if home:
        return Path(os.path.expandvars(home)).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg).expanduser() / "huggingface"


def hub_cache_dir() -> Path:
    """The standard huggingface_hub cache: ``HF_HUB_CACHE``, else ``$HF_HOME/hub``."""
    cache = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    if cache:
        return Path(os.path.expandvars(cache)).expanduser()
    return hf_home() / "hub"


def offline_by_env() -> bool:
    if _is_true(os.environ.get("HF_HUB_OFFLINE")) or _is_true(os.environ.get("TRANSFORMERS_OFFLINE")):
        return True
    try:
        from huggingface_hub import constants
    except ImportError:  # pragma: no cover - huggingface_hub is a hard dependency
        return False
    return bool(constants.HF_HUB_OFFLINE)


def token() -> str | None:
    """``HF_TOKEN``, else the token stored by ``hf auth login`` (``HF_TOKEN_PATH`` or ``$HF_HOME/token``)."""
    env = os.environ.get("HF_TOKEN") or os.environ.get("HUGGING_FACE_HUB_TOKEN")
    if env and env.strip():
        return env.strip()
    stored = Path(os.environ.get("HF_TOKEN_PATH") or hf_home() / "token").expanduser()
    try:
        value = stored.read_text(encoding="utf-8").strip()
    except OSError:
        value = ""
    return value or None


@dataclass(frozen=True)
class HubSettings:
    endpoint: str
    cache_dir: Path
    offline: bool
    token: str | None

    @classmethod
    def current(cls) -> HubSettings:
        endpoint = (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")
        return cls(endpoint=endpoint, cache_dir=hub_cache_dir(), offline=offline_by_env(), token=token())

    def api(self):
        from huggingface_hub import HfApi

        return HfApi(endpoint=self.endpoint, token=self.token or False, library_name="rerank-playground")
