"""Help menu: the user guide (docs/*.md rendered offline) and a keyboard-shortcut list from the real actions."""

from __future__ import annotations

from app.ui.help_dialog import PAGES, docs_dir


def test_help_menu_has_guide_shortcuts_and_about(window):
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    assert [a.text() for a in help_menu.actions() if a.text()] == ["User guide", "Keyboard shortcuts",
                                                                    "About Rerank Playground"]


def test_guide_renders_every_page(qtbot, window):
    dialog = window.actions_.open_guide()
    qtbot.addWidget(dialog)
    assert dialog.index.count() == len(PAGES) and all((docs_dir() / name).is_file() for name, _ in PAGES)
    for row in range(dialog.index.count()):
        dialog.index.setCurrentRow(row)
        text = dialog.browser.toPlainText()
        assert len(text) > 200 and "##" not in text.split("\n")[0], PAGES[row]  # rendered, not raw Markdown


def test_shortcut_list_comes_from_the_actions(qtbot, window):
    dialog = window.actions_.open_shortcuts()
    qtbot.addWidget(dialog)
    keys = dict((t, k) for k, t in dialog.rows)
    assert keys["Run"] == window.actions_.run.shortcut().toString()
    assert "Add column" in keys and "Evaluate" in keys and "Keyboard shortcuts" in keys
    assert any("Delete" in k for k, _ in dialog.rows)
