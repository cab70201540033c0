"""Table models and formatting of the Models dialog, without a window."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from app import hub
from app.hub.artifacts import HubFile, group
from app.ui.hub_downloads import progress_text
from app.ui.hub_tables import ArtifactTable, CatalogueTable, SearchTable, human_age, human_bytes

FILES = [HubFile("config.json", 100), HubFile("tokenizer.json", 900), HubFile("model.safetensors", 4_000_000),
         HubFile("gguf/m-Q4_K_M.gguf", 2_500_000), HubFile("onnx/model.onnx", 1_200_000_000),
         HubFile("ct2/model.bin", 700_000), HubFile("ct2/config.json", 10)]


def test_human_units():
    assert [human_bytes(n) for n in (0, 999, 1000, 1_234_567, 5_000_000_000, 12e12)] == [
        "0 B", "999 B", "1.0 kB", "1.2 MB", "5.0 GB", "12.0 TB"]
    now = 1_000_000.0
    assert [human_age(t, now) for t in (None, now - 5, now - 600, now - 7200, now - 86400, now - 3 * 86400)] == [
        "never", "just now", "10 min ago", "2 h ago", "1 day ago", "3 days ago"]


def test_artifact_table_orders_by_format_and_marks_local():
    table = ArtifactTable()
    table.set_artifacts(group(FILES).artifacts, local={"gguf/m-Q4_K_M.gguf"})
    rows = [[table.data(table.index(r, c)) for c in range(table.columnCount())] for r in range(table.rowCount())]
    assert [r[0] for r in rows] == ["ONNX", "GGUF", "CT2", "SAFETENSORS"]
    assert rows[0][3] == "1.2 GB" and rows[0][4] == "ONNX" and rows[0][5] == ""
    assert rows[1][1:] == ["Q4_K_M", "gguf/m-Q4_K_M.gguf", "2.5 MB", "GGUF", "✓"]
    assert rows[3][4] == "convert first" and "convert first" in table.data(table.index(3, 0), Qt.ItemDataRole.ToolTipRole)
    assert table.data(table.index(0, 3), Qt.ItemDataRole.TextAlignmentRole) is not None


def test_search_and_catalogue_tables():
    hits = [hub.SearchHit("a/b", 12345, 3, "text-ranking", (), True, True, None, ("gguf", "onnx"))]
    search = SearchTable()
    search.set_rows(hits)
    assert [search.data(search.index(0, c)) for c in range(4)] == ["a/b 🔒", "12,345", "3", "gguf, onnx"]
    tip = search.data(search.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert "Gated" in tip and "never runs" in tip
    art = group(FILES).artifacts[0]
    models = [hub.LocalModel("a/b", "main", "c0ffee", art, Path("/x"), 2_500_000, None, "hub-cache"),
              hub.LocalModel("local/m", "imported", None, art, Path("/y"), 10, None, "imported", missing=True)]
    cat = CatalogueTable()
    cat.set_rows(models)
    assert cat.rowCount() == 2 and cat.columnCount() == 7
    assert cat.data(cat.index(0, 6)) == "Hub cache" and cat.data(cat.index(1, 6)) == "imported (files missing)"
    assert "moved or deleted" in cat.data(cat.index(1, 0), Qt.ItemDataRole.ToolTipRole)


def test_progress_text():
    p = hub.DownloadProgress("a/b", "m.gguf", "m.gguf", 2, 3, 1_500_000, 3_000_000, 500_000.0, 3.0, "downloading")
    assert progress_text(p) == "1.5 MB / 3.0 MB · 500.0 kB/s · 3 s left · file 2/3 m.gguf"
    retry = hub.DownloadProgress("a/b", "m", "m", 1, 1, 0, 10, 0.0, None, "retrying", "timeout; resuming in 1.0 s")
    assert "retrying: timeout; resuming in 1.0 s" in progress_text(retry)
    assert p.fraction == 0.5


def test_cli_and_gui_sizes_use_the_same_units():
    from app.hub.space import human

    sizes = (999, 74_000_000, 5_000_000_000)
    assert [human(n) for n in sizes] == [human_bytes(n) for n in sizes] == ["999 B", "74.0 MB", "5.0 GB"]
