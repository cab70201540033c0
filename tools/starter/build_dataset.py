"""Build the starter reranker's training data and held-out evaluation set from Debian descriptions.

query = package synopsis, relevant passage = its long description. Packages are grouped (same source
package, same upstream homepage, identical description, or a shared paragraph of >= 150 chars) and the
split is made by group, so foo / foo-dev / python3-foo never straddle train and held-out.

Writes WORK/data/{train.jsonl, heldout_full.jsonl, manifest.json} and resources/eval/debian-heldout.jsonl.
Usage: python tools/starter/build_dataset.py [--fetch] [--quick]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
from collections import defaultdict
from pathlib import Path

import apt_data
import numpy as np
from common import (
    EVAL_FILE,
    SEED,
    WORK,
    bm25_tokens,
    embed,
    load_biencoder,
    seed_all,
    set_threads,
    write_jsonl,
)

HELDOUT_PCT = 6          # % of groups held out (by hash of the group id)
MAX_HELDOUT_GROUP = 40   # bigger groups always go to training (keeps the held-out corpus diverse)
DOC_CHARS = 800          # documents are cut to this many characters (at a word boundary) for retrieval
SHIP_CHARS = 700         # ... and to this many in the shipped eval file (keeps it under 2 MB)
MAX_PER_GROUP = 2       # at most this many candidates from any one other group (diversity)
NEAR_DUP_COS = 0.92      # a mined negative this close to the positive is skipped (likely a fork/duplicate)


def cut(text: str, n: int = DOC_CHARS) -> str:
    if len(text) <= n:
        return text
    return text[:n].rsplit(None, 1)[0]


def split_groups(pkgs):
    size = defaultdict(int)
    for p in pkgs:
        size[p.group] += 1

    def held(g):
        h = int(hashlib.sha1(f"heldout:{g}".encode()).hexdigest(), 16) % 100
        return h < HELDOUT_PCT and size[g] <= MAX_HELDOUT_GROUP

    train = [p for p in pkgs if not held(p.group)]
    heldout = [p for p in pkgs if held(p.group)]
    return train, heldout


def query_pool(pkgs, syn_groups, per_group: int, rng: random.Random):
    """Up to per_group query packages per group; the synopsis must be specific to its group."""
    by_group = defaultdict(list)
    for p in pkgs:
        if apt_data.good_query(p) and len(syn_groups[apt_data.norm(p.synopsis)]) == 1:
            by_group[p.group].append(p)
    out = []
    for g in sorted(by_group):
        cands, seen = sorted(by_group[g], key=lambda p: p.name), set()
        rng.shuffle(cands)
        for p in cands:
            if len(seen) < per_group and apt_data.norm(p.synopsis) not in seen:
                seen.add(apt_data.norm(p.synopsis))
                out.append(p)
    return out


def build_heldout(heldout, syn_groups, bienc, n_queries: int, n_cands: int, rng):
    from rank_bm25 import BM25Okapi

    corpus, doc_group = [], {}
    for p in sorted(heldout, key=lambda p: p.name):
        t = cut(p.text)
        if t not in doc_group:
            doc_group[t] = p.group
            corpus.append(t)
    pool = query_pool(heldout, syn_groups, 1, rng)
    queries = sorted(rng.sample(pool, min(n_queries, len(pool))), key=lambda p: p.name)
    t0 = time.time()
    demb = embed(bienc, corpus)
    qemb = embed(bienc, [p.synopsis for p in queries])
    print(f"held-out: {len(corpus)} docs, {len(queries)} queries embedded in {time.time() - t0:.0f}s", flush=True)
    bm25 = BM25Okapi([bm25_tokens(d) for d in corpus])
    rows = []
    for qi, p in enumerate(queries):
        pos = cut(p.text)
        by_bm = np.argsort(-bm25.get_scores(bm25_tokens(p.synopsis)), kind="stable")
        by_bi = np.argsort(-(demb @ qemb[qi]), kind="stable")
        cands, per_group = [pos], defaultdict(int)
        for a, b in zip(by_bm, by_bi):
            for d in (corpus[a], corpus[b]):
                g = doc_group[d]
                if d not in cands and len(cands) < n_cands and (g == p.group or per_group[g] < MAX_PER_GROUP):
                    cands.append(d)
                    per_group[g] += 1
            if len(cands) >= n_cands:
                break
        rng.shuffle(cands)
        labels = [2 if d == pos else 1 if doc_group[d] == p.group else 0 for d in cands]
        rows.append({"query": p.synopsis, "documents": cands, "labels": labels,
                     "package": p.name, "group": p.group})
    return rows, corpus


def mining_corpus(train, n_docs: int, per_group: int, rng):
    by_group = defaultdict(list)
    for p in sorted(train, key=lambda p: p.name):
        by_group[p.group].append(p)
    groups = sorted(by_group)
    rng.shuffle(groups)
    chosen, texts = [], set()
    for g in groups:
        members = by_group[g][:]
        rng.shuffle(members)
        for p in members[:per_group]:
            if cut(p.text, 1000) not in texts:
                texts.add(cut(p.text, 1000))
                chosen.append(p)
        if len(texts) >= n_docs:
            break
    return chosen


def build_train(train, syn_groups, bienc, args, rng):
    """Per query: positive, bi-encoder hard negatives, BM25 hard negatives, random negatives (+ teacher cos)."""
    from rank_bm25 import BM25Okapi

    pkgs = mining_corpus(train, args.mine_docs, 5, rng)
    docs, doc_group, doc_syn = [], [], []
    for p in pkgs:
        docs.append(cut(p.text, 1000))  # unique by construction
        doc_group.append(p.group)
        doc_syn.append(apt_data.norm(p.synopsis))
    doc_index = {d: i for i, d in enumerate(docs)}
    queries = query_pool(pkgs, syn_groups, 2, rng)
    queries = rng.sample(queries, min(args.train_queries, len(queries)))
    t0 = time.time()
    bienc.max_seq_length = 128
    demb = embed(bienc, docs)
    qemb = embed(bienc, [p.synopsis for p in queries])
    print(f"train: {len(docs)} docs, {len(queries)} queries embedded in {time.time() - t0:.0f}s", flush=True)
    doc_group, doc_syn = np.array(doc_group), np.array(doc_syn)
    bm25 = BM25Okapi([bm25_tokens(d) for d in docs])
    rows = []
    for qi, p in enumerate(queries):
        pi = doc_index[cut(p.text, 1000)]
        sims = demb @ qemb[qi]
        ok = (doc_group != p.group) & (doc_syn != apt_data.norm(p.synopsis)) & (demb @ demb[pi] < NEAR_DUP_COS)
        hard = [int(i) for i in np.argsort(-sims, kind="stable") if ok[i]][: args.hard]
        lex = np.argsort(-bm25.get_scores(bm25_tokens(p.synopsis)), kind="stable")
        lex = [int(i) for i in lex[: 4 * args.hard] if ok[i] and i not in hard][: args.hard]
        rand = [int(i) for i in rng.sample(np.flatnonzero(ok).tolist(), args.rand)]
        negs = hard + lex + rand
        rows.append({"query": p.synopsis, "pos": docs[pi], "t_pos": float(sims[pi]),
                     "negs": [docs[i] for i in negs], "t_negs": [float(sims[i]) for i in negs],
                     "kinds": ["bi"] * len(hard) + ["bm25"] * len(lex) + ["rand"] * len(rand),
                     "package": p.name, "group": p.group})
    return rows


def write_eval_file(rows) -> None:
    """The shipped held-out set: {"query", "documents", "labels"} per line, documents cut to SHIP_CHARS."""
    with open(EVAL_FILE, "w", encoding="utf-8") as f:
        for r in rows:
            line = {"query": r["query"], "documents": [cut(d, SHIP_CHARS) for d in r["documents"]], "labels": r["labels"]}
            f.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")


def leakage_report(train, heldout_rows, heldout_pkgs) -> dict:
    tr_groups = {p.group for p in train}
    tr_keys = {k for p in train for k in p.keys}
    ho_keys = {k for p in heldout_pkgs for k in p.keys}
    tr_text = {apt_data.norm(p.text) for p in train}
    tr_syn = {apt_data.norm(p.synopsis) for p in train}
    return {
        "heldout_groups_in_train": len({r["group"] for r in heldout_rows} & tr_groups),
        "shared_grouping_keys": len(tr_keys & ho_keys),
        "heldout_docs_identical_to_train_doc": sum(apt_data.norm(p.text) in tr_text for p in heldout_pkgs),
        "heldout_queries_with_synopsis_in_train": sum(apt_data.norm(r["query"]) in tr_syn for r in heldout_rows),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval-queries", type=int, default=300)
    ap.add_argument("--eval-cands", type=int, default=20)
    ap.add_argument("--mine-docs", type=int, default=15000)
    ap.add_argument("--train-queries", type=int, default=6000)
    ap.add_argument("--hard", type=int, default=8)
    ap.add_argument("--rand", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="tiny run for smoke tests")
    ap.add_argument("--lists", type=Path, default=WORK / "apt-lists", help="private apt lists folder")
    ap.add_argument("--fetch", action="store_true", help="apt-get update (Translation-en) into --lists first")
    args = ap.parse_args()
    if args.quick:
        args.eval_queries, args.mine_docs, args.train_queries = 40, 1500, 300
    seed_all()
    set_threads(2)
    rng = random.Random(SEED)
    t0 = time.time()
    if args.fetch:
        apt_data.fetch_lists(args.lists)
    pkgs, provenance = apt_data.load_packages(args.lists)
    apt_data.group_packages(pkgs)
    train, heldout = split_groups(pkgs)
    syn_groups = defaultdict(set)
    for p in pkgs:
        syn_groups[apt_data.norm(p.synopsis)].add(p.group)
    print(f"{len(pkgs)} packages, {len({p.group for p in pkgs})} groups; train {len(train)} / held-out "
          f"{len(heldout)} packages ({time.time() - t0:.0f}s)", flush=True)
    bienc = load_biencoder()
    ho_rows, ho_corpus = build_heldout(heldout, syn_groups, bienc, args.eval_queries, args.eval_cands, rng)
    tr_rows = build_train(train, syn_groups, bienc, args, rng)
    out = WORK / ("data_quick" if args.quick else "data")
    write_jsonl(out / "train.jsonl", tr_rows)
    write_jsonl(out / "heldout_full.jsonl", ho_rows)
    if not args.quick:
        write_eval_file(ho_rows)
    manifest = {"args": {k: str(v) for k, v in vars(args).items()}, "seed": SEED, "lists": provenance,
                "list_sha256": {k: hashlib.sha256(open(v, "rb").read()).hexdigest() for k, v in provenance.items()},
                "packages": len(pkgs), "train_packages": len(train), "heldout_packages": len(heldout),
                "heldout_corpus_docs": len(ho_corpus), "heldout_queries": len(ho_rows),
                "train_queries": len(tr_rows), "leakage": leakage_report(train, ho_rows, heldout),
                "label_counts": {str(g): sum(r["labels"].count(g) for r in ho_rows) for g in (0, 1, 2)},
                "seconds": round(time.time() - t0)}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    print(json.dumps(manifest, indent=1))


if __name__ == "__main__":
    main()
