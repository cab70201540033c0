"""``DocResult.span`` survives a session file, and a damaged span is named in one line."""

from __future__ import annotations

import pytest

from app.core.errors import BadInputError
from app.core.serialize import scorerun_from_dict, scorerun_to_dict
from app.core.types import DocResult, ScoreRun, Timings


def _run() -> ScoreRun:
    results = (DocResult(0, 1.0, 0.73, 600, True, span=(0, 812)),
               DocResult(1, 2.0, 0.88, 900, False, 3, 5, span=(1200, 1750)),
               DocResult(2, -1.0, 0.27, 12, False))
    return ScoreRun("m", "onnx", "cpu", "bert", "sigmoid", results, Timings(total_ms=3.0))


def test_spans_round_trip():
    data = scorerun_to_dict(_run())
    assert data["results"][0]["span"] == [0, 812] and "span" not in data["results"][2]
    back = scorerun_from_dict(data)
    assert [r.span for r in back.results] == [(0, 812), (1200, 1750), None]


@pytest.mark.parametrize("value", [[5, 2], [1], "0-3", [-1, 4], [True, 3]])
def test_bad_span_is_named(value):
    data = scorerun_to_dict(_run())
    data["results"][1]["span"] = value
    with pytest.raises(BadInputError, match=r"run\.results\[1\]\.span must be \[start, end\]"):
        scorerun_from_dict(data)
