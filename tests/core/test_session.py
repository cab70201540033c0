"""Session save/load round trip (with a ScoreRun) and clear errors for damaged files."""

from __future__ import annotations

import json
import math

import pytest

from app.core.errors import BadInputError
from app.core.serialize import scorerun_from_dict, scorerun_to_dict
from app.core.session import SESSION_VERSION, ColumnSpec, Session, SessionDocument, last_session_path
from app.core.types import (
    Aggregate,
    BackendConfig,
    ChunkOptions,
    DocResult,
    Document,
    FidelityWarning,
    ScoreOptions,
    ScoreRun,
    Timings,
)


def make_run(nan: bool = False) -> ScoreRun:
    return ScoreRun(
        model="tiny-bert", backend="onnx", device="cpu", family="bert-cross-encoder", score_rule="sigmoid",
        results=(DocResult(0, 2.5, 0.924, 12, False),
                 DocResult(1, math.nan if nan else -1.25, math.nan if nan else 0.223, 600, True, 1, 3)),
        timings=Timings(tokenize_ms=1.5, inference_ms=10.25, total_ms=12.0, load_ms=300.0),
        warnings=(FidelityWarning("bert-token-types", "llama.cpp ignores token types"),),
    )


def make_session() -> Session:
    columns = (
        ColumnSpec("ONNX int8", BackendConfig("/models/m", "onnx", file="onnx/model_quantized.onnx", threads=2)),
        ColumnSpec("CT2", BackendConfig("/models/m", "ct2", compute_type="int8"),
                   ScoreOptions(max_length=256, batch_size=8, chunk=ChunkOptions(64, 16, Aggregate.MEAN),
                                instruction="Find passages", use_template=False)),
    )
    docs = [Document("Deep learning is…", "a.txt"), Document("Apples\nare red", "")]
    return Session.from_documents(docs, [3, None], query="what is DL?", instruction="web search",
                                  columns=columns, reference=1, results=(make_run(), None))


def test_scorerun_round_trip_including_nan():
    for run in (make_run(), make_run(nan=True)):
        data = json.loads(json.dumps(scorerun_to_dict(run), allow_nan=False))
        back = scorerun_from_dict(data)
        assert back.results[0] == run.results[0] and back.timings == run.timings
        assert back.warnings == run.warnings and back.model == run.model
        assert (math.isnan(back.results[1].score) if math.isnan(run.results[1].score)
                else back.results[1] == run.results[1])


def test_session_round_trip(tmp_path):
    s = make_session()
    path = s.save(tmp_path / "deep" / "s.json")
    assert [p.name for p in path.parent.iterdir()] == ["s.json"]  # no temporary file left behind
    back = Session.load(path)
    assert back == s
    assert back.document_list() == [Document("Deep learning is…", "a.txt"), Document("Apples\nare red", "")]
    assert back.grades() == [3, None] and back.results[1] is None
    assert back.columns[1].options.chunk.aggregate is Aggregate.MEAN


def test_save_replaces_atomically(tmp_path):
    path = tmp_path / "s.json"
    Session(query="old").save(path)
    Session(query="new").save(path)
    assert Session.load(path).query == "new"


def test_bad_files_give_clear_errors(tmp_path):
    p = tmp_path / "s.json"
    with pytest.raises(BadInputError, match="Session file not found"):
        Session.load(p)
    p.write_text('{"app": "rerank-playground", "version": 1,', encoding="utf-8")
    with pytest.raises(BadInputError, match=r"s.json is not valid JSON \(line 1"):
        Session.load(p)
    p.write_text('{"hello": 1}', encoding="utf-8")
    with pytest.raises(BadInputError, match="not a Rerank Playground session"):
        Session.load(p)
    data = make_session().to_dict()
    data["version"] = SESSION_VERSION + 1
    p.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(BadInputError, match="newer Rerank Playground"):
        Session.load(p)


@pytest.mark.parametrize("path, value, message", [
    (("documents", 0, "grade"), 7, r"documents\[0\].grade must be 0, 1, 2, 3"),
    (("columns", 0, "config", "threads"), "two", r"columns\[0\].config.threads must be int"),
    (("columns", 1, "options", "chunk", "size"), 2, r"columns\[1\].options.chunk is not valid"),
    (("results", 0, "results", 0, "score"), "high", r"results\[0\].results\[0\].score must be a number"),
    (("reference",), 5, "reference column 5 does not exist"),
])
def test_damaged_fields_are_named(tmp_path, path, value, message):
    data = make_session().to_dict()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    p = tmp_path / "s.json"
    p.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(BadInputError, match=message):
        Session.load(p)


def test_last_session_path_uses_app_home(tmp_path, monkeypatch):
    monkeypatch.setenv("RERANK_PLAYGROUND_HOME", str(tmp_path))
    assert last_session_path() == tmp_path / "sessions" / "last-session.json"


def test_invalid_grade_in_code():
    with pytest.raises(ValueError):
        SessionDocument("x", grade=4)


def test_score_scale_and_drift_pair_round_trip_and_bad_values(tmp_path):
    s = Session(columns=(), normalized=False, drift=("a", "b"))
    loaded = Session.load(s.save(tmp_path / "s.json"))
    assert loaded.normalized is False and loaded.drift == ("a", "b")
    old = {"app": "rerank-playground", "version": 1}  # saved before these fields existed
    assert Session.from_dict(old).normalized is True and Session.from_dict(old).drift is None
    with pytest.raises(BadInputError, match='score_scale must be "normalized" or "raw"'):
        Session.from_dict({**old, "score_scale": "logits"}, "s.json")
    with pytest.raises(BadInputError, match="s.json is damaged: drift must be a list of two column names"):
        Session.from_dict({**old, "drift": ["a"]}, "s.json")
