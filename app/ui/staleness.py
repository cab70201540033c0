"""Which column results no longer match the window's inputs, and why ("query changed — Run")."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from app.core.types import Document

DOCUMENTS_CHANGED = "documents changed — Run"
QUERY_CHANGED = "query changed — Run"
INSTRUCTION_CHANGED = "instruction changed — Run"
SETTINGS_CHANGED = "settings changed — Run"


def stale_reason(controller, query: str, instruction: str | None, documents: Sequence[Document],
                 instruction_aware: Callable[[], bool]) -> str:
    """Why ``controller.last_run`` is out of date for these inputs ('' when it is current or absent).

    Documents are checked first: results for another document list cannot even be compared row by row.
    ``instruction_aware`` is asked only when the instruction differs (it may read the model's config)."""
    if controller.last_run is None:
        return ""
    if controller.documents != list(documents):
        return DOCUMENTS_CHANGED
    if controller.query != query.strip():
        return QUERY_CHANGED
    if (controller.instruction or "") != (instruction or "") and instruction_aware():
        return INSTRUCTION_CHANGED
    ran = controller.run_spec
    if ran is not None and (ran.config, ran.options) != (controller.spec.config, controller.spec.options):
        return SETTINGS_CHANGED
    return ""


def drift_note(reasons: Sequence[str], scored: int, present: int) -> str:
    """The drift panel's addition when the compared results are stale ('' when they are current)."""
    reasons = [r for r in reasons if r]
    if not reasons:
        return ""
    if scored != present:
        return f"stale: these results are for {scored} documents, {present} are listed now — Run"
    return f"stale: {reasons[0]}"
