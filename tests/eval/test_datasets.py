import json

import pytest

from app.core.datasets import load_dataset
from app.core.errors import BadInputError
from app.core.evaluation import BM25_NAME, bm25_reference, evaluate


def _write(path, rows):
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")


def test_jsonl_dataset_and_errors_name_the_line(tmp_path):
    p = tmp_path / "set.jsonl"
    _write(p, [{"query": "q", "documents": ["a", {"text": "b"}], "labels": [0, 2]}])
    (q,) = load_dataset(p)
    assert q.documents == ("a", "b") and q.labels == (0, 2)
    _write(p, [{"query": "q", "documents": ["a"], "labels": [0]},
               {"query": "q", "documents": ["a", "b"], "labels": [1]}])
    with pytest.raises(BadInputError, match="set.jsonl line 2: \"labels\" must be a list as long"):
        load_dataset(p)
    _write(p, [{"query": "q", "documents": ["a"], "labels": [5]}])
    with pytest.raises(BadInputError, match="line 1: labels must be grades from 0 to 3"):
        load_dataset(p)
    p.write_text('{"query": "q", "documents": ["a"], "labels": [1]}\n{broken\n')
    with pytest.raises(BadInputError, match="line 2: not valid JSON"):
        load_dataset(p)


def _beir(folder):
    _write(folder / "corpus.jsonl", [{"_id": "d1", "title": "Cats", "text": "cats purr and sleep"},
                                     {"_id": "d2", "text": "stock markets fell today"},
                                     {"_id": "d3", "text": "a cat sat on the mat"}])
    _write(folder / "queries.jsonl", [{"_id": "q1", "text": "cat"}, {"_id": "q2", "text": "unjudged"}])
    (folder / "qrels").mkdir()
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td3\t2\nq1\td1\t1\n")


def test_beir_folder_with_bm25_and_run_file(tmp_path):
    _beir(tmp_path)
    (q,) = load_dataset(tmp_path, bm25_k=3)
    assert q.qid == "q1" and set(q.labels) == {0, 1, 2}
    run = tmp_path / "run.trec"
    run.write_text("q1 Q0 d2 1 9.0 x\nq1 Q0 d3 2 5.0 x\n")
    (q,) = load_dataset(tmp_path, candidates=run)
    assert q.labels == (0, 2)
    run.write_text("q1 d2\n")
    with pytest.raises(BadInputError, match="run.trec line 1"):
        load_dataset(tmp_path, candidates=run)
    (tmp_path / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td3\tx\n")
    with pytest.raises(BadInputError, match="test.tsv line 2"):
        load_dataset(tmp_path)


def test_evaluate_perfect_and_bm25():
    from app.core.datasets import EvalQuery

    qs = [EvalQuery("cat", ("dogs bark", "cat cat cat", "a cat"), (0, 3, 1))]
    rep = evaluate("bm25", bm25_reference(qs), qs, k=10)
    assert rep.ndcg == pytest.approx(1.0) and rep.mrr == 1.0 and rep.recall == 1.0
    assert rep.per_query_ndcg == (pytest.approx(1.0),) and "per_query_ndcg" not in rep.as_dict()
    rev = evaluate("reversed", lambda q, d: [3.0, 1.0, 2.0], qs, k=1)
    assert rev.ndcg == 0.0 and rev.mrr == 0.0


def test_bm25_uses_the_statistics_of_the_whole_dataset():
    """A term common across the dataset but rare in one query's candidates must not count as rare."""
    from app.core.datasets import EvalQuery

    common = [EvalQuery(f"q{i}", (f"linux tool number {i}", f"other thing {i}"), (1, 0)) for i in range(30)]
    probe = EvalQuery("linux editor", ("linux linux linux kernel", "an editor"), (0, 1))
    score = bm25_reference([*common, probe])
    a, b = score(probe.query, probe.documents)
    assert b > a  # "linux" is in 31 of 62 documents: worth little; "editor" in one: worth a lot


def test_bm25_row_of_the_bundled_set_matches_the_readme():
    from app.paths import resources_dir

    path = resources_dir() / "eval" / "debian-heldout.jsonl"
    if not path.is_file():
        pytest.skip("this checkout has no bundled held-out set")
    queries = load_dataset(path)
    rep = evaluate(BM25_NAME, bm25_reference(queries), queries, k=10)
    assert (round(rep.ndcg, 4), round(rep.mrr, 4)) == (0.8206, 0.8238)  # README and tools/starter/evaluate.py


def test_eval_cli_on_two_backends(fixtures_dir, tmp_path, capsys):
    from app.cli import main

    p = tmp_path / "set.jsonl"
    _write(p, [{"query": "what is a cat", "documents": ["a cat is an animal", "stocks fell", "dogs"],
                "labels": [2, 0, 1]},
               {"query": "stock market", "documents": ["stocks fell", "a cat"], "labels": [1, 0]}])
    rc = main(["eval", "--model", str(fixtures_dir / "tiny-xlmr"), "--backend", "onnx,ct2:ct2", "--dataset", str(p),
               "--json"])
    assert rc == 0
    import json as _json

    out = _json.loads(capsys.readouterr().out)
    names = [r["name"] for r in out["reports"]]
    assert names[0].startswith("onnx") and names[1].startswith("ct2") and names[2] == BM25_NAME
    onnx, ct2 = out["reports"][:2]
    assert onnx["ndcg"] == pytest.approx(ct2["ndcg"])  # both fp32 paths: same ranking
    assert main(["eval", "--model", str(fixtures_dir / "tiny-xlmr"), "--backend", "onnx,tpu", "--dataset",
                 str(p)]) == 2
