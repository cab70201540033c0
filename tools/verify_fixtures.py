#!/usr/bin/env python
"""Check every fixture model against references.json with the plain runtimes (run with the app's venv).

    /work/main/.venv/bin/python tools/verify_fixtures.py [--models-dir tests/fixtures/models] [--json out.json]

Prints a markdown table of max |delta raw| per model/format and the GGUF token layouts. Exit status 1 if a
check that must pass (fp32 ONNX/CT2 within 1e-3, f16 GGUF within 2e-2 where llama.cpp is expected to be
faithful, token ids equal to the reference) fails. int8/q8_0 drift and the stock BERT GGUF error are reported only.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fixtures import verify_runtimes as R  # noqa: E402

FP32_TOL = 1e-3
F16_TOL = 2e-2


def max_delta(a: list[float], b: list[float]) -> float:
    return max(abs(x - y) for x, y in zip(a, b, strict=True))


class Report:
    def __init__(self):
        self.rows: list[dict] = []
        self.layouts: dict = {}
        self.failed = False

    def add(self, model, fmt, against, scores, ref, tol=None, note=""):
        delta = max_delta(scores, ref)
        status = "report" if tol is None else ("ok" if delta <= tol else "FAIL")
        self.failed |= status == "FAIL"
        self.rows.append(
            {
                "model": model,
                "format": fmt,
                "against": against,
                "max_abs_delta": delta,
                "tolerance": tol,
                "status": status,
                "note": note,
                "scores": scores,
            }
        )

    def check(self, model, what, ok: bool):
        if not ok:
            self.failed = True
            self.rows.append(
                {
                    "model": model,
                    "format": what,
                    "against": "reference input_ids",
                    "max_abs_delta": float("nan"),
                    "tolerance": None,
                    "status": "FAIL",
                    "note": "token ids differ",
                    "scores": [],
                }
            )

    def markdown(self) -> str:
        lines = [
            "| model | format | compared with | max abs delta raw | tolerance | status | note |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in self.rows:
            tol = "-" if r["tolerance"] is None else f"{r['tolerance']:g}"
            lines.append(
                f"| {r['model']} | {r['format']} | {r['against']} | {r['max_abs_delta']:.2e} | {tol} "
                f"| {r['status']} | {r['note']} |"
            )
        return "\n".join(lines)


def check_onnx(rep, name, ref, model_dir, encs, pad_id, yes_no):
    fam = ref["family"]
    for batched in (False, True):
        s = R.onnx_scores(model_dir, "model.onnx", fam, encs, pad_id, yes_no, batched)
        how = "padded batch of 8" if batched else "one pair per run"
        rep.add(name, "onnx fp32", "raw", s, ref["raw"], FP32_TOL, how)
    s = R.onnx_scores(model_dir, "model_quantized.onnx", fam, encs, pad_id, yes_no, True)
    rep.add(name, "onnx int8 (quantize_dynamic QInt8)", "raw", s, ref["raw"], None, "drift, padded batch")


def check_ct2(rep, name, ref, model_dir, pairs, yes_no):
    fam = ref["family"]
    folders = [("ct2", FP32_TOL), ("ct2-int8", None)]
    for folder, tol in folders:
        path = model_dir / folder
        if not path.is_dir():
            continue
        tok = R.load_tokenizer(path / "tokenizer.json", ref.get("max_length"))
        encs = R.encode_pairs(tok, fam, pairs)
        kind = "float32" if tol else "int8"
        note = "" if tol else "drift"
        if fam == "qwen3-reranker":
            s = R.ct2_generator_scores(path, encs, yes_no)
            rep.add(
                name, f"{folder} Generator {kind}", "raw", s, ref["raw"], tol, f"logits[-1] yes-no {note}"
            )
        else:
            s = R.ct2_encoder_scores(path, fam, encs)
            rep.add(name, f"{folder} {kind} + numpy head", "raw", s, ref["raw"], tol, note)


def gguf_expectations(name: str, file: str):
    """(reference key, tolerance or None) pairs to compare a GGUF against."""
    if name == "tiny-bert" and file == "model-f16-pooler.gguf":
        return [("raw_zero_token_types", F16_TOL), ("raw", None)]
    if name == "tiny-bert":
        return [("raw", None), ("raw_zero_token_types", None)]
    return [("raw", F16_TOL if file.endswith("f16.gguf") else None)]


def check_gguf(rep, name, ref, model_dir, pairs, flash_attn):
    from fixtures.verify_llama import LlamaRanker

    for path in sorted((model_dir / "gguf").glob("*.gguf")):
        is_qwen = ref["family"] == "qwen3-reranker"
        ranker = LlamaRanker(path, 1024 if is_qwen else ref["max_length"], flash_attn)
        max_tok = None if is_qwen else ref["max_length"]
        toks = [ranker.pair_tokens(q, d, max_tok) for q, d in pairs]
        rep.check(name, f"gguf/{path.name} tokens", toks == ref["input_ids"])
        values = [ranker.score(t) for t in toks]
        raw = [R.logit(v) for v in values] if is_qwen else values
        note = "P(yes) from llama.cpp -> logit" if is_qwen else ""
        for key, tol in gguf_expectations(name, path.name):
            rep.add(name, f"gguf/{path.name}", key, raw, ref[key], tol, note)
        if is_qwen:
            rep.add(name, f"gguf/{path.name}", "normalized (P(yes))", values, ref["normalized"], None, "")
        rep.layouts[f"{name}/{path.name}"] = {
            "rerank_template": ranker.rerank_template,
            "flags": ranker.flags(),
            "pooling_type (GGUF)": ranker.meta(f"{ranker.meta('general.architecture')}.pooling_type"),
            "first_pair_pieces": [ranker.piece(t) for t in toks[4]],
        }
        ranker.close()


def run(models_dir: Path, only: list[str] | None, flash_attn: int, skip_gguf: bool) -> Report:
    refs = R.read_references(models_dir)
    pairs = [(p["query"], p["document"]) for p in refs["pairs"]]
    rep = Report()
    for name, ref in refs["models"].items():
        if only and name not in only:
            continue
        model_dir = models_dir / name
        tok = R.load_tokenizer(model_dir / "tokenizer.json", ref.get("max_length"))
        encs = R.encode_pairs(tok, ref["family"], pairs)
        rep.check(name, "tokenizer.json (tokenizers)", [e.ids for e in encs] == ref["input_ids"])
        pad = (
            "<|endoftext|>"
            if ref["family"] == "qwen3-reranker"
            else ("[PAD]" if name == "tiny-bert" else "<pad>")
        )
        yes_no = (ref["yes_token_id"], ref["no_token_id"]) if "yes_token_id" in ref else None
        check_onnx(rep, name, ref, model_dir, encs, tok.token_to_id(pad), yes_no)
        check_ct2(rep, name, ref, model_dir, pairs, yes_no)
        if not skip_gguf:
            check_gguf(rep, name, ref, model_dir, pairs, flash_attn)
    return rep


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models-dir", type=Path, default=REPO / "tests" / "fixtures" / "models")
    p.add_argument("--only", nargs="*", help="model names (default: all)")
    p.add_argument(
        "--flash-attn", type=int, default=-1, help="llama.cpp flash_attn_type: -1 auto, 0 off, 1 on"
    )
    p.add_argument("--skip-gguf", action="store_true")
    p.add_argument("--json", type=Path, help="also write the full results (scores, layouts) here")
    args = p.parse_args()
    from fixtures.verify_llama import quiet

    quiet()
    rep = run(args.models_dir, args.only, args.flash_attn, args.skip_gguf)
    print(rep.markdown())
    print()
    for key, layout in rep.layouts.items():
        print(
            f"{key}: flags={layout['flags']} pooling={layout['pooling_type (GGUF)']} "
            f"rerank_template={'yes' if layout['rerank_template'] else 'no'}"
        )
        print(f"  pairs[4] pieces: {layout['first_pair_pieces']}")
    if args.json:
        args.json.write_text(
            json.dumps({"rows": rep.rows, "layouts": rep.layouts}, indent=1, ensure_ascii=False)
        )
    sys.exit(1 if rep.failed else 0)


if __name__ == "__main__":
    main()
