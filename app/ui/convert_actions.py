"""The Models dialog's Convert… actions: a safetensors repo on the Hub tab (downloaded first when needed), a
safetensors model on the Downloaded tab, or a local transformers folder. Each opens a ConvertDialog whose
Compare all columns go through the dialog's columnRequested / compareRequested (the main window adds and runs
them)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from app import hub
from app.ui.jobs import Job


def pick_folder(parent: QWidget) -> str | None:
    return QFileDialog.getExistingDirectory(parent, "Convert a transformers folder (config.json, tokenizer.json, "
                                            "model.safetensors)", str(Path.home())) or None


class ConvertActions:
    """Opens Convert dialogs for a ModelsDialog (``owner``) and keeps them alive while they are shown."""

    def __init__(self, owner, pick=pick_folder) -> None:
        self.owner, self.pick = owner, pick
        self.dialogs: list = []

    def open(self, src: str, folder: Path, name: str):
        from app.ui.convert_dialog import ConvertDialog

        dialog = ConvertDialog(src, folder, name, self.owner)
        if not self.owner.pick:
            dialog.columnRequested.connect(self.owner.columnRequested)
            dialog.compareRequested.connect(self.owner.compareRequested)
        dialog.finished.connect(lambda _r: dialog in self.dialogs and self.dialogs.remove(dialog))
        self.dialogs.append(dialog)
        dialog.show()
        dialog.raise_()
        return dialog

    def local_folder(self):
        path = self.pick(self.owner)
        if not path:
            return None
        folder = Path(path)
        return self.open(str(folder), folder, folder.name)

    def downloaded(self, model: hub.LocalModel):
        """A safetensors model of the Downloaded tab (a Hub snapshot, or an imported folder)."""
        src = str(model.path) if model.source == "imported" else model.repo_id
        return self.open(src, Path(model.path), model.repo_id.replace("/", "--"))

    def from_hub(self, listing: hub.RepoListing, artifact: hub.Artifact) -> None:
        """The checkpoint is downloaded first (in a pool thread) when it is not in the cache yet."""
        panel = self.owner.hub_panel
        panel.notice.show_message(f"Downloading {listing.repo_id} ({artifact.name}) to convert it…", "info")
        job = Job(lambda _p: hub.pull(listing, artifact))
        job.signals.returned.connect(lambda r: (panel.notice.clear(),
                                                self.open(r.repo_id, Path(r.snapshot), r.repo_id.replace("/", "--"))))
        job.signals.errored.connect(lambda _k, msg: panel.notice.show_message(msg, "error"))
        panel.download_runner.submit(job)
