"""The window's comparison layer: the comparison view beside the columns, the document preview, one selected
document shared by every view, and the View menu that shows or hides them.

The comparison view is the default when there are more than three columns (they no longer fit side by side
on a laptop screen); once the user picks a view with the toggle, that choice stays.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QStackedWidget, QToolBar, QVBoxLayout, QWidget

from app.ui.columns import controller as states
from app.ui.titles import distinct_names

AUTO_COMPARE_ABOVE = 3  # columns; with more the comparison view is the default
PREVIEW_SHARE = 0.22  # of the middle row's width, for the preview when it first appears
NARROW_WINDOW = 1600  # px; below it the automatic switch to the comparison also hides the Documents panel


class CompareSetup(QObject):
    """Built by the main window before its layout: ``stack`` (columns | comparison) and ``preview_slot`` go
    into the window's splitter; the window calls ``column_added``, ``columns_changed``, ``refresh`` and
    ``set_normalized``. ``documentSelected(int)`` whenever the shared selection changes.

    The comparison view and the preview are built when first shown (``view``, ``preview``): a window with
    three columns or fewer starts without them."""

    documentSelected = Signal(int)

    def __init__(self, window) -> None:
        super().__init__(window)
        self.w = window
        self.selected: int | None = None
        self._syncing = False
        self._user_choice: bool | None = None  # the user's pick of the comparison view, once made
        self._hid_documents = False  # the Documents panel was hidden by the automatic switch
        self._preview_choice: bool | None = None  # the user's pick for the preview, once made
        self._docs_width = self._preview_width = 0  # their widths before they were hidden
        self._cache: tuple[list, dict] | None = None  # (documents, {(column, run): results are current})
        self._normalized = True
        self._view = self._preview_pane = None
        self.stack = QStackedWidget()
        self.stack.addWidget(window.columns)
        self.preview_slot = QWidget()  # holds the preview once built; hidden beside side-by-side columns
        QVBoxLayout(self.preview_slot).setContentsMargins(0, 0, 0, 0)
        self.preview_slot.hide()
        self._soon = QTimer(self)  # documents edited: refresh once, after the burst of edits
        self._soon.setSingleShot(True)
        self._soon.setInterval(0)
        self._soon.timeout.connect(self.refresh)
        self._build_actions()

    # -- construction -----------------------------------------------------------------------------
    def _build_actions(self) -> None:
        self.toggle_compare = self._toggle("Comparison view", "Ctrl+Shift+C",
                                           "One row per document with every column's rank, Δrank and score "
                                           "(the default with more than three columns)", self._user_compare)
        self.toggle_documents = self._toggle("Documents panel", "Ctrl+Shift+D",
                                             "Show or hide the Documents panel (hide it to give the results "
                                             "the room)", self.set_documents_visible, checked=True)
        self.toggle_preview = self._toggle("Document preview", "Ctrl+Shift+P",
                                           "The selected document in full, with each column's token count, "
                                           "cut and winning chunk", self._user_preview)
        self.toggle_drift = self._toggle("Drift panel", "Ctrl+Shift+F",
                                         "Show or hide the drift between two columns (table and scatter)",
                                         self.w.drift_panel.setVisible, checked=True)

    def _toggle(self, text: str, shortcut: str, tip: str, slot, checked: bool = False) -> QAction:
        action = QAction(text, self.w)
        action.setCheckable(True)
        action.setChecked(checked)
        action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(f"{tip} ({shortcut})")
        action.setStatusTip(tip)
        action.toggled.connect(slot)
        return action

    def install(self) -> None:
        """Add the View menu (before Help) and the toolbar toggles; call once the window's menus exist."""
        bar = self.w.menuBar()
        menu = bar.addMenu("&View")
        for action in (self.toggle_compare, self.toggle_documents, self.toggle_preview, self.toggle_drift):
            menu.addAction(action)
        actions = bar.actions()
        help_action = next((a for a in actions if a.text().replace("&", "") == "Help"), None)
        if help_action is not None:
            bar.removeAction(menu.menuAction())
            bar.insertAction(help_action, menu.menuAction())
        toolbar = self.w.findChild(QToolBar, "main-toolbar")
        if toolbar is not None:
            toolbar.addSeparator()
            toolbar.addAction(self.toggle_compare)
            toolbar.addAction(self.toggle_documents)
        self.w.documents_panel.changed.connect(self._documents_changed)
        self.w.documents_panel.view.selectionModel().currentRowChanged.connect(
            lambda current, _prev: self._from_documents(current.row()))
        drift = self.w.drift_panel
        drift.view.selectionModel().currentRowChanged.connect(
            lambda current, _prev: self._from_drift(current.row()))

    def _documents_changed(self) -> None:
        self._cache = None
        self._soon.start()

    # -- the window's hooks -----------------------------------------------------------------------
    def column_added(self, widget) -> None:
        widget.view.selectionModel().currentRowChanged.connect(
            lambda current, _prev, wd=widget: self._from_column(wd, current))
        widget.controller.runFailed.connect(lambda _message: self._soon.start())  # "failed: …" in its column

    def columns_changed(self) -> None:
        """Columns were added or removed: the default view follows their number until the user picks one."""
        if self._user_choice is None:
            many = len(self.w.columns.widgets) > AUTO_COMPARE_ABOVE
            if many != self.comparing:
                self._show_compare(many)
                self._auto_documents(many)
        self.refresh()

    def _auto_documents(self, comparing: bool) -> None:
        """On a narrow window the comparison needs the Documents panel's width (it lists every document
        itself): hide the panel when switching to it automatically, show it again when switching back."""
        if comparing and self.w.width() < NARROW_WINDOW and self.toggle_documents.isChecked():
            self._hid_documents = True
            self.set_documents_visible(False)
            self.w.statusBar().showMessage("Comparison view: the Documents panel is hidden to make room "
                                           "(View ▸ Documents panel, Ctrl+Shift+D).", 10000)
        elif not comparing and self._hid_documents:
            self._hid_documents = False
            self.set_documents_visible(True)

    def set_normalized(self, normalized: bool) -> None:
        self._normalized = normalized
        if self._view is not None:
            self._view.set_normalized(normalized)

    def refresh_soon(self) -> None:
        """``refresh`` in a later event-loop turn: after a column's results, the window's drift and token
        counts take one turn and the comparison its own, so neither keeps the loop waiting long."""
        self._soon.start()

    @property
    def pending(self) -> bool:
        """A refresh is scheduled and has not run yet."""
        return self._soon.isActive()

    def refresh(self) -> None:
        """Results, documents or the reference changed: update the comparison, re-select, re-preview."""
        self._soon.stop()
        self._cache = None
        docs = self._documents()
        controllers = self.w.column_controllers()
        names, shared = distinct_names([c.spec.name for c in controllers])
        for widget, name in zip(self.w.columns.widgets, names):
            widget.title.set_short_text(name)  # shown when the full title does not fit
        if self._view is not None:
            self._view.set_columns(docs, [self._compare_column(c, n, docs) for c, n in zip(controllers, names)],
                                   self.w.reference_index(), shared)
        if self.selected is not None and self.selected >= len(docs):
            self.selected = None
        self._sync(self.selected)

    # -- state ------------------------------------------------------------------------------------
    @property
    def comparing(self) -> bool:
        return self._view is not None and self.stack.currentWidget() is self._view

    @property
    def view(self):
        """The comparison view (``CompareView``), built on first use."""
        if self._view is None:
            from app.ui.compare_view import CompareView

            self._view = CompareView()
            self._view.set_normalized(self._normalized)
            self._view.documentSelected.connect(lambda doc: self.select(doc, self._view.view))
            self.stack.addWidget(self._view)
            self.refresh()
        return self._view

    @property
    def preview(self):
        """The document preview (``PreviewPane``), built on first use."""
        if self._preview_pane is None:
            from app.ui.preview_pane import PreviewPane

            self._preview_pane = PreviewPane(self.preview_slot)
            self.preview_slot.layout().addWidget(self._preview_pane)
        return self._preview_pane

    def set_documents_visible(self, visible: bool) -> None:
        """Show or hide the Documents panel; its width goes to the results (not to the preview) and back."""
        splitter, panel = self.w._middle, self.w.documents_panel
        if panel.isHidden() == visible:  # a change (isHidden: hidden explicitly, even before the window shows)
            sizes = splitter.sizes()
            if not visible:
                self._docs_width = sizes[0]
                panel.setVisible(False)
                splitter.setSizes([0, sizes[0] + sizes[1], sizes[2]])
            else:
                width = self._docs_width or sizes[1] // 3
                panel.setVisible(True)
                splitter.setSizes([width, max(0, sizes[1] - width), sizes[2]])
        if self.toggle_documents.isChecked() != visible:
            self.toggle_documents.setChecked(visible)

    def _user_compare(self, on: bool) -> None:
        if self._syncing:
            return
        self._user_choice = on
        self._show_compare(on)

    def _user_preview(self, on: bool) -> None:
        if not self._syncing:
            self._preview_choice = on
        self._set_preview_visible(on)

    def _set_preview_visible(self, on: bool) -> None:
        """Show or hide the preview; its width comes from the results and goes back to them."""
        if on == (not self.preview_slot.isHidden()):
            return
        splitter = self.w._middle
        sizes = splitter.sizes()
        if on:
            self.preview.show()
            width = self._preview_width or int(sum(sizes) * PREVIEW_SHARE)
            self.preview_slot.setVisible(True)
            splitter.setSizes([sizes[0], max(0, sizes[1] - width), width])
            self._preview(self.selected)
        else:
            self._preview_width = sizes[2]
            self.preview_slot.setVisible(False)
            splitter.setSizes([sizes[0], sizes[1] + sizes[2], 0])

    def _show_compare(self, on: bool) -> None:
        self.stack.setCurrentWidget(self.view if on else self.w.columns)  # self.view builds it if needed
        self._syncing = True
        self.toggle_compare.setChecked(on)
        if self._preview_choice is None:  # the preview comes with the comparison until the user decides
            self.toggle_preview.setChecked(on)
            self._set_preview_visible(on)
        self._syncing = False
        if on:
            self.view.flush()
            self._sync(self.selected)

    # -- the shared selection ---------------------------------------------------------------------
    def select(self, doc: int | None, source=None) -> None:
        """Select document ``doc`` (index in the Documents panel) in every view but ``source`` (the view the
        user selected it in, left as it is: e.g. a multi-selection in the Documents panel) and preview it."""
        if self._syncing or doc == self.selected:
            return
        self.selected = doc
        self._sync(doc, source)
        if doc is not None:
            self.documentSelected.emit(doc)

    def _from_documents(self, row: int) -> None:
        self.select(row if row >= 0 else None, self.w.documents_panel.view)

    def _from_drift(self, row: int) -> None:
        doc = self.w.drift_panel.model.document_at(row)
        if doc is not None:
            self.select(doc, self.w.drift_panel.view)

    def _from_column(self, widget, current) -> None:
        if current.isValid() and self._current(widget.controller):
            self.select(widget.model.document_order()[current.row()], widget.view)

    def _sync(self, doc: int | None, source=None) -> None:
        self._syncing = True
        try:
            if self._view is not None and source is not self._view.view:
                self._view.select_document(doc)
            if source is not self.w.documents_panel.view:
                self._sync_documents(doc)
            self._sync_columns(doc, source)
            self._sync_drift(doc, source)
        finally:
            self._syncing = False
        self._preview(doc)

    def _sync_documents(self, doc: int | None) -> None:
        view = self.w.documents_panel.view
        if doc is None or doc >= view.model().rowCount():
            view.clearSelection()
            return
        view.selectRow(doc)
        view.scrollTo(view.model().index(doc, 0))

    def _sync_columns(self, doc: int | None, source=None) -> None:
        for widget in self.w.columns.widgets:
            if widget.view is source:
                continue
            order = widget.model.document_order() if self._current(widget.controller) else []
            if doc is None or doc >= len(order):
                widget.view.clearSelection()
                continue
            row = order.index(doc)
            widget.view.selectRow(row)
            widget.view.scrollTo(widget.model.index(row, 0))

    def _sync_drift(self, doc: int | None, source=None) -> None:
        drift = self.w.drift_panel
        row = drift.model.row_of_document(doc) if doc is not None else None
        drift.scatter.set_selected(doc if doc is not None and doc < len(drift.scatter.rows) else None)
        if source is drift.view:
            return
        if row is None:
            drift.view.clearSelection()
        else:
            drift.view.selectRow(row)
            drift.view.scrollTo(drift.model.index(row, 0))

    # -- helpers ----------------------------------------------------------------------------------
    def _documents(self) -> list:
        """The Documents panel's list, read once per refresh (building and comparing 1,000 documents is the
        costly part of a refresh); ``_current`` answers from the same snapshot."""
        if self._cache is None:
            self._cache = (self.w.documents_panel.documents(), {})
        return self._cache[0]

    def _current(self, controller) -> bool:
        """The column's last result is for the documents in the panel now."""
        docs = self._documents()
        known = self._cache[1]
        key = (id(controller), id(controller.last_run))
        if key not in known:
            known[key] = controller.last_run is not None and controller.documents == docs
        return known[key]

    def _compare_column(self, controller, name: str, docs):
        from app.ui.compare_model import CompareColumn

        spec, run = controller.spec, controller.last_run
        cfg = spec.config
        where = f"{cfg.path}/{cfg.file}" if cfg.file else cfg.path
        warnings = {x.code: x for x in (run.warnings if run else ())}
        if controller.info is not None:
            warnings.update({x.code: x for x in controller.info.warnings})
        badge = f" · ⚠{len(warnings)}" if warnings else ""
        notes = "".join(f"\n⚠ {x.message}" for x in warnings.values())
        tooltip = f"{spec.name}\n{where}{notes}"
        if self._current(controller):
            stale = self._stale_reason(controller)  # same documents, but the query/instruction/settings changed
            if stale:
                return CompareColumn(f"⟳ {name}{badge}", run, "", f"{tooltip}\n⟳ stale: {stale}")
            return CompareColumn(name + badge, run, "", tooltip)
        return CompareColumn(name + badge, None, self._reason(controller), tooltip)

    def _stale_reason(self, controller) -> str:
        """The reason the column widget shows ("query changed — Run"), '' when its results are current."""
        for widget, c in zip(self.w.columns.widgets, self.w.column_controllers()):
            if c is controller:
                return widget.stale_reason()
        return ""

    @staticmethod
    def _reason(controller) -> str:
        if controller.state == states.FAILED:
            return f"failed: {controller.message}"
        if controller.state in (states.LOADING, states.RUNNING):
            return "running"
        if controller.last_run is not None:
            return "its results are for other documents: Run again"
        return "not run yet: click Run"

    def _preview(self, doc: int | None) -> None:
        if self.preview_slot.isHidden():  # filled when shown
            return
        from app.ui.preview_pane import PreviewEntry

        docs = self._documents()
        if doc is None or doc >= len(docs):
            self.preview.show_document(None, None)
            return
        entries = []
        names, _shared = distinct_names([w.controller.spec.name for w in self.w.columns.widgets])
        for widget, name in zip(self.w.columns.widgets, names):
            c = widget.controller
            ok = self._current(c)
            entries.append(PreviewEntry(name, c.last_run.results[doc] if ok else None,
                                        widget.model.ranks()[doc] if ok and widget.model.run else None))
        self.preview.show_document(doc, docs[doc], entries)

