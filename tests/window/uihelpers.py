"""Helpers shared by the main-window tests."""

from __future__ import annotations

from app.core.types import Document

RUN_TIMEOUT_MS = 120_000


def group(references: dict, i: int) -> tuple[str, list[Document], int]:
    g = references["groups"][i]
    return g["query"], [Document(t) for t in g["documents"]], g["relevant"]


def set_input(window, query: str, documents: list[Document]) -> None:
    window.query_panel.set_query(query)
    window.documents_panel.set_documents(documents)


def run_and_wait(qtbot, window, timeout: int = RUN_TIMEOUT_MS) -> None:
    with qtbot.waitSignal(window.runFinished, timeout=timeout):
        assert window.run(), window.message_bar.text()


def view_rows(widget) -> list[tuple[int, str]]:
    """(document index, score text) per row, as the column's view shows them, top row first."""
    from app.ui.columns.results_model import COL_SCORE, DocIndexRole

    proxy = widget.model
    return [(proxy.index(r, 0).data(DocIndexRole), proxy.index(r, COL_SCORE).data())
            for r in range(proxy.rowCount())]
