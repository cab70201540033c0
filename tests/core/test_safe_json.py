"""The shared JSON loader: RecursionError / int-digits ValueError / JSONDecodeError all become one message."""

import os

import pytest

from app.core.errors import BadInputError
from app.core.safe_json import JSONInputError, load_file, loads
from app.core.session import Session

DEEP = "[" * 100_000 + "]" * 100_000
HUGE = '{"n": ' + "9" * 5000 + "}"


@pytest.mark.parametrize("text,reason", [(DEEP, "nested too deeply"), (HUGE, "more than 4,300 digits"),
                                         ("{oops", "Expecting property name")])
def test_loads_names_where_and_why(text, reason):
    with pytest.raises(JSONInputError) as info:
        loads(text, "docs.jsonl line 7")
    assert str(info.value).startswith("docs.jsonl line 7: not valid JSON (") and reason in info.value.reason


def test_load_file_refuses_fifo_and_oversize(tmp_path):
    os.mkfifo(tmp_path / "x.json")
    with pytest.raises(BadInputError, match="FIFO"):
        load_file(tmp_path / "x.json")
    (tmp_path / "big.json").write_text("[" + "1," * 100 + "1]")
    with pytest.raises(BadInputError, match="larger than"):
        load_file(tmp_path / "big.json", limit=50)
    (tmp_path / "ok.json").write_bytes(b'\xef\xbb\xbf{"a": 1}')
    assert load_file(tmp_path / "ok.json") == {"a": 1}


@pytest.mark.parametrize("text,reason", [(DEEP, "nested too deeply"), (HUGE, "more than 4,300 digits")])
def test_session_file_nested_too_deep_or_huge_number(tmp_path, text, reason):
    path = tmp_path / "s.rrp.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInputError, match=f"s.rrp.json is not valid JSON .*{reason}"):
        Session.load(path)
    os.mkfifo(tmp_path / "pipe.json")
    with pytest.raises(BadInputError, match="FIFO"):
        Session.load(tmp_path / "pipe.json")
