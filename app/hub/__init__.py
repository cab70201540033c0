"""Model manager on top of huggingface_hub (Qt-free; the CLI and the GUI both call this API).

- ``search(text)`` -> SearchResult (hits sorted by downloads; ``offline`` + ``message`` when the Hub is unreachable)
- ``remote_listing(repo)`` / ``local_listing(repo)`` -> RepoListing with ``artifacts`` grouped by format
- ``choose(artifacts, file=, fmt=, quant=)`` -> Artifact
- ``pull(listing, artifact, progress=, cancelled=)`` -> PullResult (resumable, retried, sha256-verified)
- ``catalogue()`` -> Catalogue; ``delete(repo, file=None)`` -> bytes freed; ``import_path(path)``
- ``resolve("owner/name[:file]", backend=)`` -> ResolvedModel (cache first, then download)
- ``hub_status(probe=)`` -> HubStatus (offline or not, and why)
- ``related(base)`` -> RelatedResult: published quantizations/conversions of a model (the Hub's model tree)

See docs/model-manager.md. Submodules import huggingface_hub lazily, so importing this package is cheap.
"""

from app.hub.artifacts import Artifact, HubFile
from app.hub.catalogue import Catalogue, LocalModel, catalogue, delete
from app.hub.download import PullResult, pull
from app.hub.errors import (
    DownloadError,
    GatedRepoError,
    HashMismatchError,
    HubError,
    HubOfflineError,
    InsufficientSpaceError,
    RepoNotFoundError,
    UnsafeFileNameError,
)
from app.hub.importer import ImportedModel, import_path, list_imports
from app.hub.listing import RepoListing, local_listing, remote_listing
from app.hub.progress import DownloadProgress
from app.hub.related import RelatedArtifact, RelatedRepo, RelatedResult, related
from app.hub.resolve import ResolvedModel, choose, parse_spec, resolve
from app.hub.search import SearchHit, SearchResult, search
from app.hub.settings import HubSettings
from app.hub.status import HubStatus, hub_status
from app.hub.transfer import CancelToken, RetryPolicy

__all__ = [
    "Artifact", "CancelToken", "Catalogue", "DownloadError", "DownloadProgress", "GatedRepoError",
    "HashMismatchError", "HubError", "HubFile", "HubOfflineError", "HubSettings", "HubStatus", "ImportedModel",
    "InsufficientSpaceError", "LocalModel", "PullResult", "RelatedArtifact", "RelatedRepo", "RelatedResult",
    "RepoListing", "RepoNotFoundError", "ResolvedModel",
    "RetryPolicy", "SearchHit", "SearchResult", "UnsafeFileNameError", "catalogue", "choose", "delete",
    "hub_status", "import_path", "list_imports", "local_listing", "parse_spec", "pull", "related", "remote_listing",
    "resolve", "search",
]
