"""The remote-endpoint rows of the column settings dialog: URL, API style (or auto), API key, model name.

The key is kept in memory only: saved sessions drop it (``app.core.serialize``), so it is never written to
disk in plain text.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit

from app.core.types import BackendConfig

LOCAL, REMOTE = "Local model", "Remote endpoint (HTTP)"
AUTO = "auto-detect"
KEY_NOTE = ("The key is kept in memory only: saved sessions do not store it, so after opening a session enter "
            "it again here. It is sent as 'Authorization: Bearer <key>'.")


class RemoteFields:
    """Adds its rows to ``form`` (hidden until ``set_visible(True)``)."""

    def __init__(self, form: QFormLayout) -> None:
        from app.backends.remote_api import STYLES

        self.form = form
        self.url = QLineEdit()
        self.url.setPlaceholderText("http://127.0.0.1:8080 or a full endpoint, e.g. https://host/v1/rerank")
        self.style = QComboBox()
        self.style.addItems([AUTO, *STYLES])
        self.style.setToolTip("The server's rerank API; auto-detect asks the server (/info, /v1/models, /props)")
        self.key = QLineEdit()
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText("optional API key")
        self.model = QLineEdit()
        self.model.setPlaceholderText("optional: the \"model\" field sent with each request")
        self.note = QLabel(KEY_NOTE)
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: palette(placeholder-text);")
        self.rows = [("Endpoint URL", self.url), ("API style", self.style), ("API key", self.key),
                     ("Model name", self.model)]
        for label, widget in self.rows:
            form.addRow(label, widget)
        form.addRow("", self.note)
        self.set_visible(False)

    def set_visible(self, visible: bool) -> None:
        for _label, widget in self.rows:
            self.form.setRowVisible(widget, visible)
        self.form.setRowVisible(self.note, visible)

    def load(self, cfg: BackendConfig) -> None:
        self.url.setText(cfg.path)
        self.style.setCurrentText(cfg.api_style or AUTO)
        self.key.setText(cfg.api_key or "")
        self.model.setText(cfg.remote_model or "")

    def config(self, family: str | None) -> BackendConfig:
        from app.backends.remote import remote_config

        style = self.style.currentText()
        return remote_config(self.url.text().strip(), None if style == AUTO else style,
                             self.key.text().strip() or None, self.model.text().strip() or None, family)

    def problem(self) -> str | None:
        """Why the URL cannot be used, or None."""
        from app.backends.remote_api import RemoteError, split_url

        url = self.url.text().strip()
        if not url:
            return "Enter the endpoint URL, e.g. http://127.0.0.1:8080."
        try:
            split_url(url)
        except RemoteError as exc:
            return str(exc)
        return None
