"""Train the starter cross-encoder (1 logit, sigmoid) from all-MiniLM-L6-v2 on CPU, seeded.

Faithful-by-design for onnxruntime / llama.cpp / CTranslate2:
  * token_type_embeddings row 1 is set equal to row 0 and frozen -> scores do not depend on token types
    (llama.cpp always feeds type 0);
  * the head is the stock BERT pooler (dense + tanh on [CLS]) + classifier (384 -> 1).
Loss per query group [pos, hard negatives..., random negatives...]:
  listwise softmax CE + pointwise BCE (so sigmoid(logit) reads as a relevance probability)
  + distill_w * MSE(logit, a + b * teacher_cosine) (keeps the bi-encoder's general-domain ranking signal).
Usage: python tools/starter/train.py [--data DIR] [--out DIR] [--steps N]
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import time

import torch
import torch.nn.functional as F
from common import (
    SEED,
    TRAIN_MAX_LEN,
    WORK,
    base_model_dir,
    encode_pair,
    load_tokenizer,
    pad_batch,
    read_jsonl,
    seed_all,
    set_threads,
)


def build_model():
    from transformers import BertForSequenceClassification

    model = BertForSequenceClassification.from_pretrained(
        str(base_model_dir()), num_labels=1, attn_implementation="sdpa")
    emb = model.bert.embeddings
    with torch.no_grad():
        emb.token_type_embeddings.weight[1].copy_(emb.token_type_embeddings.weight[0])
    # token types frozen (faithfulness); word/position embeddings frozen (small data, keeps general vocabulary)
    for table in (emb.token_type_embeddings, emb.word_embeddings, emb.position_embeddings):
        table.weight.requires_grad_(False)
    return model


def param_groups(model, lr: float, head_lr: float):
    head = [p for n, p in model.named_parameters() if p.requires_grad and n.startswith(("classifier", "bert.pooler"))]
    body = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith(("classifier", "bert.pooler"))]
    return [{"params": body, "lr": lr}, {"params": head, "lr": head_lr}]


def make_groups(row, rng: random.Random, n_hard: int, n_rand: int):
    """pos + n_hard negatives drawn from the bi-encoder and BM25 pools (alternating) + n_rand random ones."""
    pools = {k: [i for i, kind in enumerate(row["kinds"]) if kind == k] for k in ("bi", "bm25", "rand")}
    for v in pools.values():
        rng.shuffle(v)
    hard, turn = [], 0
    while len(hard) < n_hard and (pools["bi"] or pools["bm25"]):
        src = ("bi", "bm25")[turn % 2] if pools[("bi", "bm25")[turn % 2]] else ("bi", "bm25")[(turn + 1) % 2]
        hard.append(pools[src].pop())
        turn += 1
    idx = hard + pools["rand"][:n_rand]
    return [row["pos"]] + [row["negs"][i] for i in idx], [row["t_pos"]] + [row["t_negs"][i] for i in idx]


class Batches:
    """Deterministic stream of query groups: reshuffles the rows each epoch with its own RNG."""

    def __init__(self, rows, tok, args):
        self.rows, self.tok, self.args = rows, tok, args
        self.rng = random.Random(SEED + 1)
        self.order, self.pos, self.epoch = [], 0, 0

    def next(self):
        a = self.args
        seqs, teach, sizes = [], [], []
        for _ in range(a.batch_queries):
            if self.pos >= len(self.order):
                self.order = list(range(len(self.rows)))
                self.rng.shuffle(self.order)
                self.pos, self.epoch = 0, self.epoch + 1
            row = self.rows[self.order[self.pos]]
            self.pos += 1
            docs, t = make_groups(row, self.rng, a.hard, a.rand)
            seqs += [encode_pair(self.tok, row["query"], d, a.max_len) for d in docs]
            teach += t
            sizes.append(len(docs))
        ids, mask, types = pad_batch(seqs)
        return (torch.from_numpy(ids), torch.from_numpy(mask), torch.from_numpy(types),
                torch.tensor(teach, dtype=torch.float32), sizes)


def group_loss(logits, teach, sizes, distill_w: float, t_scale: float, t_shift: float):
    ce, bce, n = 0.0, 0.0, 0
    for s in sizes:
        g = logits[n:n + s]
        ce = ce + F.cross_entropy(g.unsqueeze(0), torch.zeros(1, dtype=torch.long))
        target = torch.zeros(s)
        target[0] = 1.0
        bce = bce + F.binary_cross_entropy_with_logits(g, target)
        n += s
    ce, bce = ce / len(sizes), bce / len(sizes)
    dist = F.mse_loss(logits, t_scale * teach + t_shift) if distill_w > 0 else torch.zeros(())
    return ce + bce + distill_w * dist, {"ce": float(ce), "bce": float(bce), "distill": float(dist)}


def train(args):
    seed_all(SEED)
    set_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    rows = read_jsonl(args.data / "train.jsonl")
    tok = load_tokenizer(base_model_dir() / "tokenizer.json")
    model = build_model()
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(param_groups(model, args.lr, args.head_lr), weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / args.warmup) * max(0.0, (args.steps - s) / max(1, args.steps - args.warmup)))
    stream, log, t0 = Batches(rows, tok, args), [], time.time()
    for step in range(args.steps):
        ids, mask, types, teach, sizes = stream.next()
        logits = model(input_ids=ids, attention_mask=mask, token_type_ids=types).logits.squeeze(-1)
        loss, parts = group_loss(logits, teach, sizes, args.distill, args.t_scale, args.t_shift)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        if step % args.log_every == 0 or step == args.steps - 1:
            rec = {"step": step, "epoch": stream.epoch, "loss": round(float(loss), 4),
                   **{k: round(v, 4) for k, v in parts.items()}, "lr": round(sched.get_last_lr()[0], 8),
                   "tokens": int(mask.sum()), "elapsed_s": round(time.time() - t0, 1)}
            log.append(rec)
            print(json.dumps(rec), flush=True)
    return model, log, time.time() - t0


def save(model, log, seconds, args):
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    tte = model.bert.embeddings.token_type_embeddings.weight
    assert torch.equal(tte[0], tte[1]), "token type rows drifted"
    model.config.id2label, model.config.label2id = {0: "relevance"}, {"relevance": 0}
    model.save_pretrained(out, safe_serialization=True)
    src = base_model_dir()
    for name in ("vocab.txt", "special_tokens_map.json", "tokenizer_config.json"):
        shutil.copy(src / name, out / name)
    load_tokenizer(src / "tokenizer.json").save(str(out / "tokenizer.json"))
    info = {"args": {k: str(v) for k, v in vars(args).items()}, "seed": SEED, "train_seconds": round(seconds),
            "torch": torch.__version__, "log": log}
    (out / "train_log.json").write_text(json.dumps(info, indent=1))
    print(f"saved to {out} after {seconds / 60:.1f} min")


def main():
    from pathlib import Path

    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=WORK / "data")
    ap.add_argument("--out", type=Path, default=WORK / "model")
    ap.add_argument("--steps", type=int, default=320)
    ap.add_argument("--batch-queries", type=int, default=6)
    ap.add_argument("--hard", type=int, default=4)
    ap.add_argument("--rand", type=int, default=1)
    ap.add_argument("--lr", type=float, default=7e-5)
    ap.add_argument("--head-lr", type=float, default=7e-4, help="pooler + classifier")
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--max-len", type=int, default=TRAIN_MAX_LEN)
    ap.add_argument("--distill", type=float, default=0.0)
    ap.add_argument("--t-scale", type=float, default=20.0, help="teacher target = t_scale * cos + t_shift")
    ap.add_argument("--t-shift", type=float, default=-10.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--log-every", type=int, default=10)
    args = ap.parse_args()
    model, log, seconds = train(args)
    save(model, log, seconds, args)


if __name__ == "__main__":
    main()
