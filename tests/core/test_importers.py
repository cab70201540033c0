"""Importers on real files: text, Markdown, PDF (hand-built, read by pypdf), DOCX (python-docx), CSV, JSONL,
folders, and every kind of bad input."""

from __future__ import annotations

import json

import docx
import pytest

from app.core import import_formats
from app.core.errors import BadInputError, CancelledError
from app.core.importers import ImportResult, inspect_fields, load_path, split_pasted


def make_pdf(path, pages: list[str]) -> None:
    """A minimal real PDF with one Helvetica text line per page (correct xref offsets)."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", None,
               "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for text in pages:
        stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode() if text else b""
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
        content = len(objects)
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content} 0 R "
                       "/Resources << /Font << /F1 3 0 R >> >> >>")
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + (obj.encode() if isinstance(obj, str) else obj) + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))


def texts(result: ImportResult) -> list[str]:
    return [d.text for d in result.documents]


def test_txt_paragraphs_and_lines(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("First para\nstill first.\n\n  \nSecond para.\n\n\nThird.\n", encoding="utf-8")
    r = load_path(p)
    assert texts(r) == ["First para\nstill first.", "Second para.", "Third."]
    assert {d.source for d in r.documents} == {"notes.txt"} and r.warnings == ()
    assert texts(load_path(p, split="lines")) == ["First para", "still first.", "Second para.", "Third."]


def test_markdown_and_utf16_bom(tmp_path):
    md = tmp_path / "readme.md"
    md.write_text("# Title\n\nBody text.\n", encoding="utf-8")
    assert texts(load_path(md)) == ["# Title", "Body text."]
    u = tmp_path / "u16.txt"
    u.write_bytes("héllo\n\nwörld".encode("utf-16"))
    assert texts(load_path(u)) == ["héllo", "wörld"]


def test_non_utf8_is_replaced_with_a_warning_naming_the_file(tmp_path):
    p = tmp_path / "latin1.txt"
    p.write_bytes("café au lait\n\nthé".encode("latin-1"))
    r = load_path(p)
    assert "\ufffd" in r.documents[0].text
    assert len(r.warnings) == 1 and "latin1.txt" in r.warnings[0] and "UTF-8" in r.warnings[0]


def test_pdf_one_document_per_page_and_empty_pages_reported(tmp_path):
    p = tmp_path / "paper.pdf"
    make_pdf(p, ["Deep learning is a subset of machine learning.", "", "Apples are red."])
    r = load_path(p)
    assert texts(r) == ["Deep learning is a subset of machine learning.", "Apples are red."]
    assert r.documents[0].source == "paper.pdf"
    assert len(r.warnings) == 1 and "page(s) 2" in r.warnings[0] and "OCR" in r.warnings[0]


def test_pdf_without_text_and_corrupt_pdf(tmp_path):
    scan = tmp_path / "scan.pdf"
    make_pdf(scan, ["", ""])
    with pytest.raises(BadInputError, match="scan.pdf has no text layer"):
        load_path(scan)
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage")
    with pytest.raises(BadInputError, match="broken.pdf could not be read as a PDF"):
        load_path(bad)


def test_docx_paragraphs_and_tables(tmp_path):
    d = docx.Document()
    d.add_paragraph("Neural networks simulate the brain.")
    d.add_paragraph("   ")
    d.add_paragraph("Relativity is about spacetime.")
    d.add_table(rows=1, cols=2)
    p = tmp_path / "memo.docx"
    d.save(str(p))
    r = load_path(p)
    assert texts(r) == ["Neural networks simulate the brain.", "Relativity is about spacetime."]
    assert r.documents[0].source == "memo.docx"
    assert len(r.warnings) == 1 and "table" in r.warnings[0]
    bad = tmp_path / "fake.docx"
    bad.write_text("not a zip", encoding="utf-8")
    with pytest.raises(BadInputError, match="fake.docx could not be opened as a Word"):
        load_path(bad)


def test_csv_default_preferred_column_and_explicit_column(tmp_path):
    p = tmp_path / "data.csv"
    p.write_text('id,Passage,title\n1,"First, with comma",t1\n2,"multi\nline",t2\n3,,t3\n', encoding="utf-8")
    choice = inspect_fields(p)
    assert choice.kind == "column" and choice.options == ("id", "Passage", "title")
    assert choice.default == "Passage" and not choice.ambiguous
    r = load_path(p)
    assert texts(r) == ["First, with comma", "multi\nline"]
    assert any("skipped 1 row" in w for w in r.warnings)
    assert texts(load_path(p, column="title")) == ["t1", "t2", "t3"]
    with pytest.raises(BadInputError, match='data.csv has no column "body".*id, Passage, title'):
        load_path(p, column="body")


def test_csv_longest_column_is_an_ambiguous_default(tmp_path):
    p = tmp_path / "q.csv"
    p.write_text("a;b\nx;a much longer cell\ny;another long one\n", encoding="utf-8")
    choice = inspect_fields(p)
    assert choice.default == "b" and choice.ambiguous
    r = load_path(p)
    assert texts(r) == ["a much longer cell", "another long one"]
    assert any('used the column "b"' in w for w in r.warnings)
    tsv = tmp_path / "t.tsv"
    tsv.write_text("text\tid\nhello world\t1\n", encoding="utf-8")
    assert texts(load_path(tsv)) == ["hello world"]


def test_csv_header_only(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text("text\n", encoding="utf-8")
    with pytest.raises(BadInputError, match="h.csv holds no documents"):
        load_path(p)


def test_jsonl_fields_bad_lines_and_missing_field(tmp_path):
    p = tmp_path / "d.jsonl"
    p.write_text('{"id": 1, "text": "alpha", "title": "A"}\n{oops\n"bare string"\n{"id": 2}\n', encoding="utf-8")
    choice = inspect_fields(p)
    assert choice.kind == "field" and choice.default == "text" and not choice.ambiguous
    assert choice.options == ("text", "title")
    r = load_path(p)
    assert texts(r) == ["alpha", "bare string"]
    joined = " ".join(r.warnings)
    assert "line(s) 2: not valid JSON" in joined and "line(s) 4 without" in joined
    assert texts(load_path(p, field="title")) == ["A", "bare string"]
    with pytest.raises(BadInputError, match='no field "body".*text, title'):
        load_path(p, field="body")


def test_jsonl_all_lines_bad_names_the_line(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_text("\n{not json\n", encoding="utf-8")
    with pytest.raises(BadInputError, match="bad.jsonl line 2: not valid JSON"):
        load_path(p)
    q = tmp_path / "other.jsonl"
    q.write_text(json.dumps({"body": "x", "summary": "longer text here"}) + "\n", encoding="utf-8")
    choice = inspect_fields(q)
    assert choice.default == "summary" and choice.ambiguous


def test_folder_recursive_sorted_with_warnings(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.txt").write_text("zed", encoding="utf-8")
    (tmp_path / "a.md").write_text("alpha", encoding="utf-8")
    (tmp_path / "C.jsonl").write_text('{"text": "see"}\n', encoding="utf-8")
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / ".hidden.txt").write_text("secret", encoding="utf-8")
    r = load_path(tmp_path)
    assert texts(r) == ["alpha", "zed", "see"]
    assert [d.source for d in r.documents] == ["a.md", "b/z.txt", "C.jsonl"]
    joined = " ".join(r.warnings)
    assert "empty.txt" in joined and "image.png" in joined and "secret" not in joined


def test_empty_folder_and_unsupported_and_missing(tmp_path):
    (tmp_path / "sub").mkdir()
    with pytest.raises(BadInputError, match="folder sub holds no readable documents"):
        load_path(tmp_path / "sub")
    x = tmp_path / "photo.png"
    x.write_bytes(b"\x89PNG\r\n")
    with pytest.raises(BadInputError, match=r"photo.png: \.png is not supported"):
        load_path(x)
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(BadInputError, match="Save it as .docx"):
        load_path(tmp_path / "old.doc")
    with pytest.raises(BadInputError, match="missing.txt: file not found"):
        load_path(tmp_path / "missing.txt")


def test_binary_and_empty_text_files(tmp_path):
    b = tmp_path / "blob.txt"
    b.write_bytes(b"\x00\x01\x02\x03binary")
    with pytest.raises(BadInputError, match="blob.txt looks like a binary file"):
        load_path(b)
    e = tmp_path / "empty.txt"
    e.write_bytes(b"")
    with pytest.raises(BadInputError, match="empty.txt holds no documents"):
        load_path(e)


def test_huge_file_is_refused_without_reading_it(tmp_path, monkeypatch):
    p = tmp_path / "huge.txt"
    with p.open("wb") as fh:  # sparse 201 MB file: no disk or memory used
        fh.truncate(201 * 1024 * 1024)

    def no_read(*_a, **_k):
        raise AssertionError("the file must not be read")

    monkeypatch.setattr(import_formats.Path, "open", no_read)
    with pytest.raises(BadInputError, match=r"huge.txt is 201 MB, over the 200 MB limit"):
        load_path(p)


def test_cancel_between_files(tmp_path):
    for i in range(3):
        (tmp_path / f"{i}.txt").write_text("x", encoding="utf-8")
    with pytest.raises(CancelledError):
        load_path(tmp_path, cancelled=lambda: True)


@pytest.mark.parametrize("text, expected", [
    ("one\ntwo\n\nthree", ["one\ntwo", "three"]),
    ("one\ntwo\r\nthree\n", ["one", "two", "three"]),
    ("  \n\n ", []),
    ("a\n \t\nb\n\n\nc", ["a", "b", "c"]),
])
def test_split_pasted(text, expected):
    assert split_pasted(text) == expected
