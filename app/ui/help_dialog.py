"""Help ▸ User guide (the docs/*.md pages, shown offline) and Help ▸ Keyboard shortcuts (read from the
window's own actions, so the list is never out of date)."""

from __future__ import annotations

import sys
from html import escape
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QKeySequence, QTextCursor
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QListWidget, QTextBrowser, QVBoxLayout, QWidget

from app.ui.screen_fit import resize_within_screen

# (file in docs/, title): the user guide in reading order
PAGES = (("gui.md", "The window"), ("documents-and-sessions.md", "Documents, sessions and export"),
         ("model-manager.md", "Models: search, download, import"), ("bench.md", "Benchmarks"),
         ("serve.md", "Serving a model over HTTP"), ("packaging.md", "Installers"))
# Keys handled by widgets rather than menu actions
WIDGET_KEYS = (("Delete / Backspace", "Documents: remove the selected documents (Undo in the message)"),
               ("0 1 2 3, -", "Documents, Grade column: set or clear the relevance grade"),
               ("Ctrl+V", "Documents: paste text as documents"),
               ("Ctrl+Up / Ctrl+Down", "Documents: move the selected documents"),
               ("Tab", "Query: move on to the next field"))


def docs_dir() -> Path:
    """docs/ beside the package, or inside a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    return Path(bundle) / "docs" if bundle else Path(__file__).resolve().parents[2] / "docs"


def available_pages() -> list[tuple[Path, str]]:
    folder = docs_dir()
    return [(folder / name, title) for name, title in PAGES if (folder / name).is_file()]


class GuideDialog(QDialog):
    """The user guide: a list of pages and the selected page rendered from Markdown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Rerank Playground — User guide")
        resize_within_screen(self, 1000, 760)
        self.pages = available_pages()
        row = QHBoxLayout(self)
        self.index = QListWidget(self)
        self.index.addItems([title for _, title in self.pages])
        self.index.setMaximumWidth(260)
        self.browser = QTextBrowser(self)
        self.browser.setOpenExternalLinks(True)
        row.addWidget(self.index)
        row.addWidget(self.browser, 1)
        self.index.currentRowChanged.connect(self.show_page)
        if self.pages:
            self.index.setCurrentRow(0)
        else:
            self.browser.setPlainText(f"The user guide is not part of this build (looked in {docs_dir()}).")

    def show_page(self, row: int) -> None:
        if not 0 <= row < len(self.pages):
            return
        path, _title = self.pages[row]
        self.browser.setSearchPaths([str(path.parent)])  # its screenshots
        self.browser.document().setBaseUrl(QUrl.fromLocalFile(str(path.parent) + "/"))
        self.browser.setMarkdown(path.read_text(encoding="utf-8"))
        _fit_images(self.browser, max(400, self.browser.viewport().width() - 24))


def _fit_images(browser: QTextBrowser, width: int) -> None:
    """Screenshots no wider than the page (the height follows the width)."""
    doc = browser.document()
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            fmt = fragment.charFormat()
            if fmt.isImageFormat():
                image = fmt.toImageFormat()
                image.setWidth(width)
                cursor = QTextCursor(doc)
                cursor.setPosition(fragment.position())
                cursor.setPosition(fragment.position() + fragment.length(), QTextCursor.MoveMode.KeepAnchor)
                cursor.setCharFormat(image)
            it += 1
        block = block.next()


def shortcut_rows(window) -> list[tuple[str, str]]:
    """(keys, what they do) for every window action with a shortcut, then the keys widgets handle."""
    rows = []
    for action in window.findChildren(QAction):
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        if keys and action.text():
            rows.append((keys, action.text().replace("&", "").rstrip("…").rstrip(" ▶")))
    return sorted(set(rows), key=lambda r: r[1]) + list(WIDGET_KEYS)


class ShortcutsDialog(QDialog):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts")
        self.rows = shortcut_rows(window)
        body = "".join(f"<tr><td><b>{escape(k)}</b>&nbsp;&nbsp;</td><td>{escape(t)}</td></tr>" for k, t in self.rows)
        label = QLabel(f"<table cellspacing='4'>{body}</table>", self)
        box = QVBoxLayout(self)
        box.addWidget(label)
