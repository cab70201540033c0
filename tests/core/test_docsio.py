import pytest

from app.core.docsio import read_documents, read_documents_with_warnings
from app.core.errors import BadInputError


def test_txt_one_per_line(tmp_path):
    p = tmp_path / "d.txt"
    p.write_text("first doc\n\nsecond doc\n", encoding="utf-8")
    assert [d.text for d in read_documents(p)] == ["first doc", "second doc"]
    assert read_documents(p)[0].source == "d.txt"


def test_jsonl_and_line_numbers(tmp_path):
    """The GUI importer's rules: a line without the field, or not JSON, is skipped with a warning naming it."""
    p = tmp_path / "d.jsonl"
    p.write_text('{"text": "a"}\n"b"\n', encoding="utf-8")
    assert [d.text for d in read_documents(p)] == ["a", "b"]
    p.write_text('{"text": "a"}\n{"body": "b"}\n', encoding="utf-8")
    docs, warnings = read_documents_with_warnings(p)
    assert [d.text for d in docs] == ["a"] and "line(s) 2" in warnings[0]
    p.write_text('{"text": "a"}\n{oops\n', encoding="utf-8")
    docs, warnings = read_documents_with_warnings(p)
    assert [d.text for d in docs] == ["a"] and "line(s) 2: not valid JSON" in warnings[0]
    p.write_text("{oops\n", encoding="utf-8")
    with pytest.raises(BadInputError, match="line 1: not valid JSON"):
        read_documents(p)


def test_csv_column_and_pdf_through_the_importers(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("id,text,title\n1,a cat sat,Cats\n2,stocks fell,Money\n", encoding="utf-8")
    assert [d.text for d in read_documents(p)] == ["a cat sat", "stocks fell"]
    assert [d.text for d in read_documents(p, column="title")] == ["Cats", "Money"]
    with pytest.raises(BadInputError, match='no column "body"'):
        read_documents(p, column="body")


def test_any_other_extension_is_plain_text(tmp_path):
    p = tmp_path / "notes.log"
    p.write_text("one\n\ntwo\nthree\n", encoding="utf-8")
    assert [d.text for d in read_documents(p)] == ["one", "two", "three"]
    assert [d.text for d in read_documents(p, split="paragraphs")] == ["one", "two\nthree"]


def test_non_utf8_bytes_are_replaced(tmp_path):
    p = tmp_path / "latin1.txt"
    p.write_bytes("café au lait\n".encode("latin-1"))
    (doc,), warnings = read_documents_with_warnings(p)
    assert doc.text.startswith("caf") and "\ufffd" in doc.text
    assert "latin1.txt is not valid UTF-8" in warnings[0]


def test_binary_missing_and_empty(tmp_path):
    with pytest.raises(BadInputError, match="not found"):
        read_documents(tmp_path / "nope.txt")
    b = tmp_path / "x.txt"
    b.write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(BadInputError, match="binary"):
        read_documents(b)
    e = tmp_path / "e.txt"
    e.write_text("\n\n")
    with pytest.raises(BadInputError, match="no documents"):
        read_documents(e)
