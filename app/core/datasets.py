"""Labelled evaluation sets: JSONL ({"query", "documents", "labels"} per line) and BEIR-style folders.

Every parsing error names the file and the line.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from app.core.docsio import MAX_FILE_BYTES, decode_bytes
from app.core.errors import BadInputError
from app.core.safe_files import read_bytes
from app.core.safe_json import loads


@dataclass(frozen=True)
class EvalQuery:
    query: str
    documents: tuple[str, ...]
    labels: tuple[int, ...]  # graded relevance 0-3
    qid: str = ""


def load_dataset(path: str | Path, candidates: str | Path | None = None, bm25_k: int = 100,
                 max_queries: int | None = None) -> list[EvalQuery]:
    path = Path(path)
    if path.is_dir():
        queries = load_beir(path, candidates, bm25_k)
    elif path.exists():
        queries = load_jsonl(path)  # a FIFO or device is refused by the bounded reader
    else:
        raise BadInputError(f"Dataset not found: {path}")
    if not queries:
        raise BadInputError(f"{path} holds no queries.")
    return queries[:max_queries] if max_queries else queries


def _lines(path: Path) -> list[str]:
    text, _ = decode_bytes(read_bytes(path, MAX_FILE_BYTES, "Dataset file"), path.name)
    return text.splitlines()


def load_jsonl(path: Path) -> list[EvalQuery]:
    out = []
    for n, line in enumerate(_lines(path), start=1):
        if not line.strip():
            continue
        where = f"{path.name} line {n}"
        obj = loads(line, where)
        if not isinstance(obj, dict):
            raise BadInputError(f"{where}: expected an object with query, documents and labels.")
        query, docs, labels = obj.get("query"), obj.get("documents"), obj.get("labels")
        if not isinstance(query, str) or not query.strip():
            raise BadInputError(f'{where}: "query" must be a non-empty string.')
        if not isinstance(docs, list) or not docs:
            raise BadInputError(f'{where}: "documents" must be a non-empty list.')
        texts = [d.get("text") if isinstance(d, dict) else d for d in docs]
        if not all(isinstance(t, str) for t in texts):
            raise BadInputError(f'{where}: every document must be a string or {{"text": ...}}.')
        if not isinstance(labels, list) or len(labels) != len(texts):
            raise BadInputError(f'{where}: "labels" must be a list as long as "documents" ({len(texts)}).')
        if not all(isinstance(g, (int, float)) and not isinstance(g, bool) and 0 <= g <= 3 for g in labels):
            raise BadInputError(f"{where}: labels must be grades from 0 to 3.")
        out.append(EvalQuery(query, tuple(texts), tuple(int(g) for g in labels), str(obj.get("id", n))))
    return out


def _read_jsonl_objects(path: Path) -> list[dict]:
    if not path.is_file():
        raise BadInputError(f"BEIR dataset is missing {path.name} ({path}).")
    rows = []
    for n, line in enumerate(_lines(path), start=1):
        if line.strip():
            rows.append(loads(line, f"{path.name} line {n}"))
            if not isinstance(rows[-1], dict) or "_id" not in rows[-1]:
                raise BadInputError(f'{path.name} line {n}: expected an object with "_id".')
    return rows


def _qrels(path: Path) -> dict[str, dict[str, int]]:
    if not path.is_file():
        raise BadInputError(f"BEIR dataset is missing qrels/test.tsv ({path}).")
    qrels: dict[str, dict[str, int]] = {}
    rows = list(csv.reader(_lines(path), delimiter="\t"))
    for n, row in enumerate(rows, start=1):
        if n == 1 and row and not row[-1].lstrip("-").isdigit():
            continue  # header
        if len(row) < 3:
            raise BadInputError(f"{path.name} line {n}: expected query-id, corpus-id, score separated by tabs.")
        try:
            qrels.setdefault(row[0], {})[row[1]] = max(0, min(3, int(row[2])))
        except ValueError as exc:
            raise BadInputError(f"{path.name} line {n}: the score '{row[2]}' is not an integer.") from exc
    return qrels


def _run_file(path: Path) -> dict[str, list[str]]:
    """TREC run file (qid Q0 docid rank score tag) -> candidates per query, best first."""
    ranked: dict[str, list[tuple[float, str]]] = {}
    for n, line in enumerate(_lines(Path(path)), start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) < 5:
            raise BadInputError(f"{Path(path).name} line {n}: expected a TREC run line 'qid Q0 docid rank score tag'.")
        try:
            ranked.setdefault(parts[0], []).append((float(parts[4]), parts[2]))
        except ValueError as exc:
            raise BadInputError(f"{Path(path).name} line {n}: score '{parts[4]}' is not a number.") from exc
    return {q: [d for _, d in sorted(v, key=lambda x: -x[0])] for q, v in ranked.items()}


def _bm25_candidates(corpus: dict[str, str], queries: dict[str, str], k: int) -> dict[str, list[str]]:
    from rank_bm25 import BM25Okapi

    ids = list(corpus)
    bm25 = BM25Okapi([tokenize_for_bm25(corpus[i]) for i in ids])
    out = {}
    for qid, text in queries.items():
        scores = bm25.get_scores(tokenize_for_bm25(text))
        top = sorted(range(len(ids)), key=lambda i: -scores[i])[:k]
        out[qid] = [ids[i] for i in top]
    return out


def tokenize_for_bm25(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def load_beir(folder: Path, candidates: str | Path | None, bm25_k: int) -> list[EvalQuery]:
    corpus = {str(r["_id"]): (str(r.get("title") or "") + " " + str(r.get("text") or "")).strip()
              for r in _read_jsonl_objects(folder / "corpus.jsonl")}
    queries = {str(r["_id"]): str(r.get("text", "")) for r in _read_jsonl_objects(folder / "queries.jsonl")}
    qrels = _qrels(folder / "qrels" / "test.tsv")
    judged = {q: t for q, t in queries.items() if q in qrels}
    cands = _run_file(Path(candidates)) if candidates else _bm25_candidates(corpus, judged, bm25_k)
    out = []
    for qid, text in judged.items():
        doc_ids = [d for d in cands.get(qid, []) if d in corpus][:bm25_k]
        if doc_ids:
            out.append(EvalQuery(text, tuple(corpus[d] for d in doc_ids),
                                 tuple(qrels[qid].get(d, 0) for d in doc_ids), qid))
    return out
