import pytest

from app.core.docsio import read_documents
from app.core.errors import BadInputError


def test_txt_one_per_line(tmp_path):
    p = tmp_path / "d.txt"
    p.write_text("first doc\n\nsecond doc\n", encoding="utf-8")
    assert [d.text for d in read_documents(p)] == ["first doc", "second doc"]
    assert read_documents(p)[0].source == "d.txt"


def test_jsonl_and_line_numbers(tmp_path):
    p = tmp_path / "d.jsonl"
    p.write_text('{"text": "a"}\n"b"\n', encoding="utf-8")
    assert [d.text for d in read_documents(p)] == ["a", "b"]
    p.write_text('{"text": "a"}\n{"body": "b"}\n', encoding="utf-8")
    with pytest.raises(BadInputError, match="line 2"):
        read_documents(p)
    p.write_text('{"text": "a"}\n{oops\n', encoding="utf-8")
    with pytest.raises(BadInputError, match="line 2: not valid JSON"):
        read_documents(p)


def test_non_utf8_bytes_are_replaced(tmp_path):
    p = tmp_path / "latin1.txt"
    p.write_bytes("café au lait\n".encode("latin-1"))
    (doc,) = read_documents(p)
    assert doc.text.startswith("caf") and "\ufffd" in doc.text


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
