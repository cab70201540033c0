"""The selected document in full: per column its rank, its token count (each column's own tokenizer), where
the model stopped reading it, and in long-document mode the chunk that decided its score, highlighted.

``DocResult.span`` (from the backends) gives the characters that decided a score: the winning chunk, or the
part read before a cut. The text marks one column's span at a time (the "Mark" choice).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.core.types import DocResult, Document
from app.ui.titles import TitleDelegate

CUT = "✂"
CHUNK_STYLE = "background-color: #fff1a8; color: #1f2328;"
UNREAD_STYLE = "color: #8c959f;"
P_COLUMN, P_RANK, P_TOKENS, P_READ = range(4)
P_HEADERS = ("Column", "#", "Tokens", "Read")


@dataclass(frozen=True)
class PreviewEntry:
    """One column's view of the document: ``result`` None when the column has no result for it."""

    column: str
    result: DocResult | None = None
    rank: int | None = None


def read_text(result: DocResult | None, length: int) -> str:
    """What the model read of a document, in short: "all", "✂ 812 of 2,400 chars", "chunk 2/5 · 800–1,210"."""
    if result is None:
        return "no result"
    span = result.span
    if result.chunk_count > 1:
        where = f" · {span[0]:,}–{span[1]:,}" if span else ""
        return f"chunk {(result.chunk_index or 0) + 1}/{result.chunk_count}{where}"
    if span:  # cut at the model's limit, or at the column's max_doc_tokens
        return f"{CUT} {span[1]:,} of {length:,} chars"
    if result.truncated:
        return f"{CUT} cut at the model's limit"
    return "all"


def read_tooltip(result: DocResult | None, length: int) -> str:
    if result is None:
        return "This column has no result for the current documents."
    span = result.span
    if result.chunk_count > 1:
        where = f", characters {span[0]:,} to {span[1]:,}" if span else ""
        return (f"Long-document mode: chunk {(result.chunk_index or 0) + 1} of {result.chunk_count} decided "
                f"the score{where} (highlighted when this column is marked)")
    if result.truncated or span:
        where = f"the first {span[1]:,} of {length:,} characters" if span else "the start"
        return f"The model read only {where}: the rest was cut at the token limit (use chunking)"
    return "The model read the whole document"


def document_html(text: str, result: DocResult | None) -> str:
    """The text as HTML with ``result``'s span marked: a chunk highlighted, or the unread end greyed."""
    span = result.span if result is not None else None
    if result is None or span is None:
        return _pre(escape(text))
    start, end = max(0, span[0]), min(len(text), span[1])
    if result.chunk_count > 1:
        body = (escape(text[:start]) + f'<span style="{CHUNK_STYLE}">' + escape(text[start:end]) + "</span>"
                + escape(text[end:]))
    elif end < len(text):  # the unread end
        body = (escape(text[:end]) + f' <b style="color:#cf222e">{CUT}</b> '
                + f'<span style="{UNREAD_STYLE}">' + escape(text[end:]) + "</span>")
    else:
        body = escape(text)
    return _pre(body)


def _pre(body: str) -> str:
    return f'<div style="white-space: pre-wrap;">{body}</div>'


class PreviewPane(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._doc: Document | None = None
        self._entries: list[PreviewEntry] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel("<b>Preview</b> — select a document", self)
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.table = QTableWidget(0, len(P_HEADERS), self)
        self.table.setHorizontalHeaderLabels(P_HEADERS)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setWordWrap(False)
        self.table.setItemDelegateForColumn(P_COLUMN, TitleDelegate(self.table))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(P_COLUMN, QHeaderView.ResizeMode.Stretch)
        for col in (P_RANK, P_TOKENS, P_READ):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table)
        row = QHBoxLayout()
        row.addWidget(QLabel("Mark:", self))
        self.mark = QComboBox(self)
        self.mark.setToolTip("Whose cut or winning chunk the text marks (each column has its own tokenizer)")
        self.mark.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.mark.setMinimumContentsLength(12)
        self.mark.currentIndexChanged.connect(self._render_text)
        row.addWidget(self.mark, 1)
        layout.addLayout(row)
        self.text = QTextBrowser(self)
        self.text.setOpenLinks(False)
        layout.addWidget(self.text, 1)

    # -- inputs -----------------------------------------------------------------------------------
    def show_document(self, index: int | None, document: Document | None,
                      entries: Sequence[PreviewEntry] = ()) -> None:
        """Show document ``index`` (None clears the pane) and each column's result for it."""
        self._doc, self._entries = document, list(entries)
        if document is None or index is None:
            self.title.setText("<b>Preview</b> — select a document")
            self.table.setRowCount(0)
            self.mark.clear()
            self.text.clear()
            return
        source = f" · {escape(document.source)}" if document.source else ""
        self.title.setText(f"<b>Document {index + 1}</b>{source} · {len(document.text):,} characters")
        self._fill_table()
        keep = self.mark.currentText()
        self.mark.blockSignals(True)
        self.mark.clear()
        self.mark.addItems([e.column for e in self._entries])
        names = [e.column for e in self._entries]
        self.mark.setCurrentIndex(names.index(keep) if keep in names else self._default_mark())
        self.mark.blockSignals(False)
        self._render_text()

    # -- outputs ----------------------------------------------------------------------------------
    def marked_entry(self) -> PreviewEntry | None:
        i = self.mark.currentIndex()
        return self._entries[i] if 0 <= i < len(self._entries) else None

    def html(self) -> str:
        return self.text.toHtml()

    # -- internals --------------------------------------------------------------------------------
    def _default_mark(self) -> int:
        """The first column whose span says something (a cut or a chunk), else the first column."""
        for i, e in enumerate(self._entries):
            if e.result is not None and e.result.span is not None:
                return i
        return 0 if self._entries else -1

    def _fill_table(self) -> None:
        length = len(self._doc.text) if self._doc else 0
        self.table.setRowCount(len(self._entries))
        for r, e in enumerate(self._entries):
            res = e.result
            cells = (e.column, "" if e.rank is None else str(e.rank),
                     "" if res is None else f"{res.token_count:,}", read_text(res, length))
            for c, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if c in (P_RANK, P_TOKENS):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                item.setToolTip({P_TOKENS: "Tokens of query + document with this column's tokenizer (all "
                                           "chunks in long-document mode)",
                                 P_READ: read_tooltip(res, length)}.get(c, value))
                self.table.setItem(r, c, item)
        rows = max(1, len(self._entries))
        self.table.setFixedHeight(self.table.horizontalHeader().sizeHint().height()
                                  + rows * self.table.verticalHeader().defaultSectionSize() + 4)

    def _render_text(self) -> None:
        if self._doc is None:
            return
        entry = self.marked_entry()
        self.text.setHtml(document_html(self._doc.text, entry.result if entry else None))
