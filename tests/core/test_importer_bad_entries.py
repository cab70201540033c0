"""The document importer (GUI drops and `score --docs`): FIFOs, devices, broken links, deep JSON, bad CSV."""

import os
import threading

import pytest

from app.core import import_formats
from app.core.errors import BadInputError
from app.core.importers import load_path
from app.core.safe_files import read_bytes


def _load_with_deadline(path, seconds=20, **kw):
    """load_path in a thread: a hang fails the test instead of stalling the run."""
    box = {}

    def target():
        try:
            box["result"] = load_path(path, **kw)
        except Exception as exc:  # noqa: BLE001 - handed to the test
            box["error"] = exc
    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"load_path({path}) still running after {seconds} s"
    if "error" in box:
        raise box["error"]
    return box["result"]


@pytest.fixture
def drop(tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "good.txt").write_text("a good document\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("kind,why", [
    ("chardev", "a device"), ("fifo", "named pipe (FIFO)"), ("dangling", "broken symbolic link"),
    ("loop", "loops back on itself"),
])
def test_folder_skips_entries_that_are_not_regular_files(drop, kind, why):
    bad = drop / "bad.txt"
    if kind == "chardev":
        bad.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(bad)
    elif kind == "dangling":
        bad.symlink_to(drop / "gone.txt")
    else:
        bad.symlink_to(bad)
    result = _load_with_deadline(drop)
    assert [d.text for d in result.documents] == ["a good document"]
    assert any(w.startswith("Skipped bad.txt:") and why in w for w in result.warnings), result.warnings


@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_single_file_that_is_a_device_or_fifo_is_refused(tmp_path, target):
    link = tmp_path / "x.txt"
    if target == "fifo":
        os.mkfifo(link)
    else:
        link.symlink_to(target)
    with pytest.raises(BadInputError, match="not a regular file"):
        _load_with_deadline(link)
    with pytest.raises(BadInputError, match="not a regular file"):
        import_formats.csv_choice(link.rename(tmp_path / "x.csv"))


def test_reads_are_bounded_even_when_stat_says_small(tmp_path, monkeypatch):
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 5000)
    with pytest.raises(BadInputError, match="larger than"):
        read_bytes(big, 4096)
    assert read_bytes(big, 4096, partial=True) == b"x" * 4096
    monkeypatch.setattr(import_formats, "MAX_FILE_BYTES", 4096)
    with pytest.raises(BadInputError, match="over the 0 MB limit|larger than"):
        load_path(big)


def test_unreadable_file_is_a_message(tmp_path, monkeypatch):
    secret = tmp_path / "secret.txt"
    secret.write_text("a\n", encoding="utf-8")
    secret.chmod(0)
    if os.geteuid() == 0:  # root reads anything: make the open fail as it does for a user
        real_open = os.open

        def deny(path, *a, **kw):
            if str(path) == str(secret):
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, *a, **kw)
        monkeypatch.setattr(os, "open", deny)
    with pytest.raises(BadInputError, match="permission denied"):
        load_path(secret)


def test_jsonl_line_nested_too_deep_or_huge_number_is_a_warning_naming_the_line(tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text('{"text": "ok"}\n' + "[" * 100_000 + "]" * 100_000 + '\n{"text": "x", "n": '
                    + "7" * 5000 + "}\n", encoding="utf-8")
    result = load_path(path)
    assert [d.text for d in result.documents] == ["ok"]
    joined = " ".join(result.warnings)
    assert "line(s) 2, 3" in joined and "nested too deeply" in joined


def test_jsonl_only_bad_lines_is_refused_naming_line_1(tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text("[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(BadInputError, match="docs.jsonl line 1: not valid JSON .nested too deeply"):
        load_path(path)


def test_csv_unterminated_quote_names_the_line_it_opens_on(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('id,text\n1,"a cat sat\n2,stocks fell\n3,dogs bark\n', encoding="utf-8")
    with pytest.raises(BadInputError, match="t.csv line 2: a quoted cell starts there"):
        load_path(path)
    ok = tmp_path / "ok.csv"
    ok.write_text('id,text\n1,"two\nlines"\n2,"say ""hi"""\n', encoding="utf-8")
    assert [d.text for d in load_path(ok).documents] == ["two\nlines", 'say "hi"']


def test_gui_import_job_finishes_on_a_folder_with_a_fifo(drop, qtbot):
    from app.ui.import_worker import ImportJob, ImportRequest

    os.mkfifo(drop / "pipe.txt")
    job = ImportJob([ImportRequest(drop)])
    with qtbot.waitSignal(job.signals.finished, timeout=20_000) as blocker:
        threading.Thread(target=job.run, daemon=True).start()
    outcome = blocker.args[0].outcomes[0]
    assert outcome.error is None and len(outcome.result.documents) == 1
    assert any("pipe.txt" in w and "FIFO" in w for w in outcome.result.warnings)
