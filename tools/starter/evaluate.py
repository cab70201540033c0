"""Evaluate the starter reranker on the held-out Debian set and check the shipped artifacts.

1. NDCG@10 / MRR@10 of the starter (torch fp32) vs BM25 vs the all-MiniLM-L6-v2 bi-encoder.
2. Token-type independence: torch scores with real 0/1 token types vs all zeros.
3. Per-runtime agreement of the shipped ONNX int8 / GGUF Q8_0 / CT2 int8 vs the torch model (max |delta| in
   logits, plus each runtime's own NDCG@10 / MRR@10), and the sanity query on every backend.
Usage (two steps, two venvs):
  /work/devenv/bin/python tools/starter/evaluate.py            # torch + baselines, saves reference logits
  /work/main/.venv/bin/python tools/starter/evaluate.py --runtimes   # llama-cpp-python, onnxruntime, ctranslate2
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from common import (
    EVAL_FILE,
    SANITY_DOCS,
    SANITY_QUERY,
    SHIP,
    WORK,
    encode_pair,
    load_tokenizer,
    read_jsonl,
    sigmoid,
)


def ndcg_at(labels, scores, k=10) -> float:
    order = np.argsort(-np.asarray(scores), kind="stable")[:k]
    gains = (2.0 ** np.asarray(labels, dtype=float)) - 1.0
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = float((gains[order] * disc[: len(order)]).sum())
    ideal = np.sort(gains)[::-1][:k]
    idcg = float((ideal * disc[: len(ideal)]).sum())
    return dcg / idcg if idcg > 0 else 0.0


def mrr_at(labels, scores, k=10) -> float:
    order = np.argsort(-np.asarray(scores), kind="stable")[:k]
    for rank, i in enumerate(order, 1):
        if labels[i] >= 1:
            return 1.0 / rank
    return 0.0


def metrics(rows, scores) -> dict:
    return {"ndcg@10": round(float(np.mean([ndcg_at(r["labels"], s) for r, s in zip(rows, scores)])), 4),
            "mrr@10": round(float(np.mean([mrr_at(r["labels"], s) for r, s in zip(rows, scores)])), 4)}


def sanity(scorer, tok) -> dict:
    from scorers import cross_scores

    s = cross_scores(scorer, tok, [{"query": SANITY_QUERY, "documents": SANITY_DOCS}])[0]
    order = [int(i) for i in np.argsort(-s, kind="stable")]
    return {"logits": [round(float(x), 4) for x in s], "probs": [round(float(x), 4) for x in sigmoid(s)],
            "order": order, "pass": order[:2] == [0, 3]}  # deep-learning doc first, neural-network doc second


def runtime_scorers(ship: Path):
    from scorers import CT2Scorer, GGUFScorer, OnnxScorer

    # llama.cpp busy-waits its worker threads: on 2 shared cores 2 threads ran at 0.7 pairs/s, 1 thread at 8.7
    return {"onnx-int8": lambda: OnnxScorer(ship / "onnx" / "model_quantized.onnx"),
            "gguf-q8_0": lambda: GGUFScorer(ship / "gguf" / "model-q8_0.gguf", threads=1),
            "ct2-int8": lambda: CT2Scorer(ship / "ct2-int8")}


def invariance(scorer, tok, rows) -> dict:
    """Same rows, same batching: all-zero vs 0/1 token types, and batch of 32 vs one pair at a time."""
    from scorers import cross_scores

    base = np.concatenate(cross_scores(scorer, tok, rows))
    zero = np.concatenate(cross_scores(scorer, tok, rows, zero_types=True))
    single = np.concatenate(cross_scores(scorer, tok, rows, batch_size=1))
    return {"zero_types_max_abs_delta": round(float(np.abs(zero - base).max()), 6),
            "batch32_vs_batch1_max_abs_delta": round(float(np.abs(single - base).max()), 6)}


def gguf_layout(scorer, tok) -> dict:
    ids, _ = encode_pair(tok, "what is gguf?", "A file format.")
    return {"ids": ids, "detokenized": scorer.detokenize(ids),
            "llama_tokenize_query_with_specials": scorer.tokenize("what is gguf?", True)}


def check_runtimes(rows, ref, tok, ship, res, gguf_limit: int):
    from scorers import cross_scores

    for name, make in runtime_scorers(ship).items():
        sub = rows[:gguf_limit] if name.startswith("gguf") and gguf_limit else rows
        t0 = time.time()
        scorer = make()
        got = cross_scores(scorer, tok, sub)
        secs = time.time() - t0
        flat_got, flat_ref = np.concatenate(got), np.concatenate(ref[: len(sub)])
        res["runtimes"][name] = {
            **metrics(sub, got), "torch_on_same_queries": metrics(sub, ref[: len(sub)]), "queries": len(sub),
            "pairs": int(flat_got.size), "seconds": round(secs, 1),
            "max_abs_delta_logit": round(float(np.abs(flat_got - flat_ref).max()), 4),
            "mean_abs_delta_logit": round(float(np.abs(flat_got - flat_ref).mean()), 4),
            "max_abs_delta_prob": round(float(np.abs(sigmoid(flat_got) - sigmoid(flat_ref)).max()), 4),
            **invariance(scorer, tok, rows[:3]), "sanity": sanity(scorer, tok)}
        if name.startswith("gguf"):
            res["gguf_layout"] = gguf_layout(scorer, tok)
            scorer.close()
        print(name, json.dumps(res["runtimes"][name]), flush=True)


def torch_part(args, rows, tok, res):
    """Needs torch/transformers (devenv). Saves the reference logits for the runtime check."""
    from scorers import TorchScorer, biencoder_scores, bm25_scores, cross_scores

    t0 = time.time()
    torch_scorer = TorchScorer(args.model)
    ref = cross_scores(torch_scorer, tok, rows)
    res["starter-torch"] = {**metrics(rows, ref), "seconds": round(time.time() - t0, 1)}
    res["torch_invariance_20q"] = invariance(torch_scorer, tok, rows[:20])
    res["sanity_torch"] = sanity(torch_scorer, tok)
    print(json.dumps({k: res[k] for k in ("starter-torch", "torch_invariance_20q", "sanity_torch")}), flush=True)
    if not args.skip_baselines:
        res["bm25"] = metrics(rows, bm25_scores(rows))
        res["bi-encoder"] = metrics(rows, biencoder_scores(rows))
        print(json.dumps({k: res[k] for k in ("bm25", "bi-encoder")}), flush=True)
    args.ref.write_text(json.dumps([[float(x) for x in s] for s in ref]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, default=WORK / "model")
    ap.add_argument("--eval", type=Path, default=EVAL_FILE)
    ap.add_argument("--ship", type=Path, default=SHIP)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--runtimes", action="store_true",
                    help="check the shipped ONNX/GGUF/CT2 artifacts against the saved torch logits (app venv)")
    ap.add_argument("--skip-baselines", action="store_true")
    ap.add_argument("--gguf-limit", type=int, default=0, help="only the first N queries through llama.cpp (0 = all)")
    ap.add_argument("--ref", type=Path, default=WORK / "torch_logits.json")
    ap.add_argument("--out", type=Path, default=WORK / "eval_results.json")
    args = ap.parse_args()
    rows = read_jsonl(args.eval)[: args.limit or None]
    tok = load_tokenizer(args.ship / "tokenizer.json" if args.runtimes else args.model / "tokenizer.json")
    res = {"eval_file": str(args.eval), "queries": len(rows), "pairs": sum(len(r["documents"]) for r in rows),
           "label_counts": {str(g): sum(r["labels"].count(g) for r in rows) for g in (0, 1, 2, 3)}, "runtimes": {}}
    if args.runtimes:
        res = json.loads(args.out.read_text()) if args.out.exists() else res
        res["runtimes"] = {}
        ref = [np.array(s) for s in json.loads(args.ref.read_text())]
        assert len(ref) == len(rows), "reference logits were computed on a different set: rerun without --runtimes"
        check_runtimes(rows, ref, tok, args.ship, res, args.gguf_limit)
    else:
        torch_part(args, rows, tok, res)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
