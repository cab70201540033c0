"""Typed errors of the model manager; each message says what happened and what to do."""

from __future__ import annotations

from app.core.errors import BadInputError, PlaygroundError


class HubError(PlaygroundError):
    """The Hub answered with an error, or a download could not be completed."""


class HubOfflineError(HubError):
    """No network, or ``HF_HUB_OFFLINE=1``: only what is already on disk can be used."""


class RepoNotFoundError(HubError):
    """The repository (or revision, or file) does not exist, or is private."""


class GatedRepoError(HubError):
    """The repository needs the user's token and accepted terms."""


class DownloadError(HubError):
    """A transfer failed after its retries."""


class HashMismatchError(DownloadError):
    """The downloaded bytes do not match the Hub's hash; the bad file was removed."""


class InsufficientSpaceError(DownloadError):
    """Not enough free disk space; refused before downloading anything."""

    def __init__(self, message: str, needed: int, available: int) -> None:
        super().__init__(message)
        self.needed = needed
        self.available = available


class UnsafeFileNameError(BadInputError):
    """A file name that would escape the cache folder, or a pickle file."""


def offline_message(endpoint: str, reason: str) -> str:
    return (f"Offline: the Hub at {endpoint} cannot be reached ({reason}). Models already downloaded still work; "
            "connect to the network (or unset HF_HUB_OFFLINE) to search and download.")


def translate(exc: Exception, repo_id: str, endpoint: str, what: str = "") -> PlaygroundError:
    """Turn a huggingface_hub / httpx error into one of ours, with a message for the user."""
    from huggingface_hub import errors as hf

    target = f"{repo_id}{'/' + what if what else ''}"
    if isinstance(exc, PlaygroundError):
        return exc
    if isinstance(exc, hf.OfflineModeIsEnabled):
        return HubOfflineError(offline_message(endpoint, "HF_HUB_OFFLINE is set"))
    if isinstance(exc, hf.GatedRepoError):
        return GatedRepoError(f"{repo_id} is gated: accept its terms on the model page at {endpoint}/{repo_id}, "
                              "then set HF_TOKEN or run 'hf auth login' so the app can use your token.")
    if isinstance(exc, hf.RevisionNotFoundError):
        return RepoNotFoundError(f"Revision not found in {repo_id}: check the branch, tag or commit name.")
    if isinstance(exc, hf.RemoteEntryNotFoundError):
        return RepoNotFoundError(f"File not found on the Hub: {target}. List the files with "
                                 f"'rerank-playground models files {repo_id}'.")
    if isinstance(exc, hf.RepositoryNotFoundError):
        return RepoNotFoundError(f"Repository not found: {repo_id} at {endpoint}. Check the name; a private repo "
                                 "needs HF_TOKEN.")
    if isinstance(exc, hf.HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else "?"
        return HubError(f"The Hub answered HTTP {status} for {target}: {str(exc).splitlines()[0][:200]}. "
                        "Try again later.")
    return HubOfflineError(offline_message(endpoint, f"{type(exc).__name__}: {str(exc)[:160]}"))


def network_errors() -> tuple[type[Exception], ...]:
    """Exceptions that mean 'the network or the Hub is unreachable'."""
    import httpx2
    from huggingface_hub import errors as hf

    return (httpx2.TransportError, hf.OfflineModeIsEnabled, OSError)
