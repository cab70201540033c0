"""Exports parse back (csv, json, Markdown table), Cohere body, and CLI commands the real parser accepts."""

from __future__ import annotations

import csv
import io
import json
import shlex

import pytest

from app.cli import build_parser
from app.core.docsio import read_documents
from app.core.errors import BadInputError
from app.core.export import (
    cohere_request,
    results_to_csv,
    results_to_json,
    results_to_markdown,
    score_command,
    write_docs_file,
    write_results,
)
from app.core.serialize import ColumnSpec
from app.core.types import (
    Aggregate,
    BackendConfig,
    ChunkOptions,
    DocResult,
    Document,
    ScoreOptions,
    ScoreRun,
    Timings,
)

DOCS = [Document("Deep learning | neural nets", "a.txt"), Document("Apples are red\nand sweet"),
        Document("Relativity " * 20, "b.pdf")]


def run(scores, backend="onnx") -> ScoreRun:
    return ScoreRun("m", backend, "cpu", "bert", "sigmoid",
                    tuple(DocResult(i, s * 10, s, 5 + i, i == 2) for i, s in enumerate(scores)), Timings())


COLUMNS = [("ONNX int8", run([0.9, 0.1, 0.5])), ("GGUF Q8_0", run([0.8, 0.6, 0.2], "gguf"))]


def test_csv_parses_back_in_reference_order():
    rows = list(csv.DictReader(io.StringIO(results_to_csv(DOCS, COLUMNS, order_by=1, grades=[3, None, 0]))))
    assert [int(r["index"]) for r in rows] == [0, 1, 2]  # GGUF order: 0.8, 0.6, 0.2
    assert rows[1]["text"] == "Apples are red\nand sweet" and rows[1]["grade"] == ""
    assert float(rows[1]["ONNX int8 score"]) == 0.1 and rows[1]["ONNX int8 rank"] == "3"
    assert rows[2]["GGUF Q8_0 truncated"] == "true" and rows[0]["grade"] == "3"


def test_json_parses_back():
    data = json.loads(results_to_json(DOCS, COLUMNS, query="q", grades=[1, 2, 3]))
    assert data["query"] == "q" and [d["grade"] for d in data["documents"]] == [1, 2, 3]
    assert [c["name"] for c in data["columns"]] == ["ONNX int8", "GGUF Q8_0"]
    assert [r["index"] for r in data["columns"][0]["results"]] == [0, 2, 1]


def test_markdown_table_rows_and_escaping():
    md = results_to_markdown(DOCS, COLUMNS)
    lines = md.strip().split("\n")
    assert len(lines) == 2 + len(DOCS)
    assert lines[0] == "| Rank | Document | ONNX int8 | GGUF Q8_0 |"
    assert all(len(line.replace("\\|", "").split("|")) == 6 for line in lines)  # 4 cells, escaped pipes kept
    assert lines[2].startswith("| 1 | Deep learning \\| neural nets | 0.9000 | 0.8000 |")
    assert "…" in lines[3] and "Apples" in lines[4]
    assert "| 9.0000 |" in results_to_markdown(DOCS, COLUMNS, raw=True)


def test_write_results_by_suffix_and_stale_results(tmp_path):
    for name in ("r.csv", "r.json", "r.md"):
        assert write_results(tmp_path / name, DOCS, COLUMNS).read_text(encoding="utf-8")
    with pytest.raises(BadInputError, match="export as .csv, .json or .md"):
        write_results(tmp_path / "r.xlsx", DOCS, COLUMNS)
    with pytest.raises(BadInputError, match="Run again"):
        results_to_csv(DOCS[:2], COLUMNS)
    with pytest.raises(BadInputError, match="no results"):
        results_to_markdown(DOCS, [])


def test_cohere_request():
    body = json.loads(cohere_request("q", DOCS[:2], top_n=1, model="rerank-v3.5"))
    assert body == {"model": "rerank-v3.5", "query": "q", "documents": [DOCS[0].text, DOCS[1].text], "top_n": 1}
    assert "top_n" not in json.loads(cohere_request("q", ["x"]))


def test_score_command_round_trips_through_the_cli_parser(tmp_path):
    docs_file = write_docs_file(DOCS, tmp_path / "my docs.jsonl")
    assert [d.text for d in read_documents(docs_file)] == [d.text for d in DOCS]
    spec = ColumnSpec("CT2", BackendConfig("/m dir/it's", "ct2", device="cuda", threads=4, compute_type="int8",
                                           n_gpu_layers=10, family="bert"),
                      ScoreOptions(max_length=128, batch_size=4, chunk=ChunkOptions(64, 8, Aggregate.MEAN),
                                   instruction="Find $HOME 'docs'"))
    command = score_command(spec, 'what is "deep" learning?', docs_file)
    argv = shlex.split(command)
    assert argv[0] == "rerank-playground"
    args = build_parser().parse_args(argv[1:])
    assert (args.command, args.model, args.backend, args.device, args.threads) == ("score", "/m dir/it's", "ct2",
                                                                                   "cuda", 4)
    assert (args.compute_type, args.n_gpu_layers, args.family) == ("int8", 10, "bert")
    assert (args.query, args.docs) == ('what is "deep" learning?', str(docs_file))
    assert (args.max_length, args.batch_size, args.chunk, args.overlap, args.aggregate) == (128, 4, 64, 8, "mean")
    assert args.instruction == "Find $HOME 'docs'"
    plain = score_command(ColumnSpec("x", BackendConfig("/m", "onnx")), "q", "d.txt")
    assert plain == "rerank-playground score --model /m --backend onnx --device cpu --query q --docs d.txt"
    assert "#" in score_command(ColumnSpec("x", BackendConfig("/m", "onnx"), ScoreOptions(use_template=False)),
                                "q", "d.txt")


def _context(**kw):
    from app.core.export_meta import ExportContext

    base = dict(query="what is\na cat", instruction="find it", normalized=False, app_version="9.9",
                runtimes={"onnxruntime": "1.0"}, exported_at="2026-01-01T00:00:00Z", documents_file="/x/d.jsonl")
    return ExportContext(**{**base, **kw})


def _with_failed():
    from app.core.export_meta import ExportColumn

    ok = ExportColumn("ONNX int8", COLUMNS[0][1], model={"path": "/m", "file": "f.onnx", "sha256": "ab" * 32},
                      command="rerank-playground score --model /m")
    failed = ExportColumn("GGUF Q8_0", None, status="failed", error="worker crashed (signal 6)", backend="gguf")
    return [ok, failed]


def test_csv_context_lines_round_trip_and_failed_columns_stay():
    from app.core.export import read_csv_export

    meta, rows = read_csv_export(results_to_csv(DOCS, _with_failed(), context=_context()))
    assert meta["query"] == "what is\na cat" and meta["instruction"] == "find it"
    assert meta["scores"].startswith("raw") and meta["runtimes"] == {"onnxruntime": "1.0"}
    assert meta['column "ONNX int8"']["model"]["sha256"] == "ab" * 32
    assert meta['column "GGUF Q8_0"']["error"] == "worker crashed (signal 6)"
    assert [r["GGUF Q8_0 score"] for r in rows] == ["", "", ""] and rows[0]["ONNX int8 rank"] == "1"
    assert rows[1]["text"] == "Relativity " * 20  # ordered by the column with results


def test_json_and_markdown_carry_the_context():
    data = json.loads(results_to_json(DOCS, _with_failed(), context=_context()))
    assert data["query"] == "what is\na cat" and data["score_scale"] == "raw" and data["app_version"] == "9.9"
    assert [c["status"] for c in data["columns"]] == ["ok", "failed"]
    assert data["columns"][1]["error"] == "worker crashed (signal 6)" and data["columns"][1]["results"] == []
    assert data["columns"][0]["model"]["sha256"] == "ab" * 32 and data["documents_file"] == "/x/d.jsonl"
    md = results_to_markdown(DOCS, _with_failed(), raw=True, context=_context())
    assert "**Query:** what is a cat" in md and "**Instruction:** find it" in md and "**Scores:** raw" in md
    assert "GGUF Q8_0 (failed: worker crashed (signal 6))" in md
    assert "| 1 | Deep learning \\| neural nets | 9.0000 | — |" in md
    assert "`rerank-playground score --model /m`" in md and "onnxruntime 1.0" in md


def test_no_current_results_says_why():
    from app.core.export_meta import ExportColumn

    stale = ExportColumn("A", None, status="stale", error="query changed; run it again")
    with pytest.raises(BadInputError, match="no results to export .A: query changed"):
        results_to_json(DOCS, [stale])
