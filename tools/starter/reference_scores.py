"""Reference logits of the trained starter model (torch fp32, transformers), for tests/starter/.

The shipped ONNX / GGUF / CT2 artifacts are checked against these numbers in the normal test run, which has
no torch. Pairs are tokenized by transformers itself (``tokenizer(query, doc, truncation="only_second")``),
the reference implementation, not by the app's own code.

    /work/devenv/bin/python tools/starter/reference_scores.py [--queries 12]

Reads the fp32 model from ``$STARTER_WORK/model`` (made by train.py), writes
``tests/starter/reference_scores.json``.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import EVAL_FILE, REPO, SANITY_DOCS, SANITY_QUERY, WORK, read_jsonl  # noqa: E402

OUT = REPO / "tests" / "starter" / "reference_scores.json"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=str(WORK / "model"))
    ap.add_argument("--queries", type=int, default=12, help="held-out queries to include (20 documents each)")
    args = ap.parse_args()

    import torch
    from transformers import AutoTokenizer, BertForSequenceClassification

    torch.set_num_threads(2)
    tok = AutoTokenizer.from_pretrained(args.model)
    model = BertForSequenceClassification.from_pretrained(args.model, attn_implementation="eager").eval()

    def logits(query: str, docs: list[str]) -> list[float]:
        out = []
        for doc in docs:  # one pair at a time: no padding, exactly the reference forward pass
            enc = tok(query, doc, truncation="only_second", max_length=512, return_tensors="pt")
            with torch.inference_mode():
                out.append(round(float(model(**enc).logits[0, 0]), 6))
        return out

    cases = [{"name": "sanity", "query": SANITY_QUERY, "documents": SANITY_DOCS}]
    for i, row in enumerate(read_jsonl(EVAL_FILE)[: args.queries]):
        cases.append({"name": f"heldout-{i}", "query": row["query"], "documents": row["documents"],
                      "labels": row["labels"]})
    for case in cases:
        case["torch_logits"] = logits(case["query"], case["documents"])
        print(case["name"], case["torch_logits"][:4], file=sys.stderr)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({
        "model": "resources/models/starter (trained fp32 weights from tools/starter/train.py)",
        "reference": f"torch {torch.__version__}, transformers BertForSequenceClassification, eager attention, "
                     "one pair per forward pass",
        "eval_file": str(EVAL_FILE.relative_to(REPO)),
        "cases": cases,
    }, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({sum(len(c['documents']) for c in cases)} pairs)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
