"""llama.cpp layouts for BERT-style rank pooling, timed in one process (docs/bench.md, "Why the llama.cpp ratio").

    T=1 python tools/bench_llama_layouts.py [MODEL.gguf]

Default model: $BENCH_MODEL/gguf/model-f16.gguf (BENCH_MODEL=/work/bench_models/minilm-ce). Times, on 48
synthetic documents of ~128 tokens (seed 0): one pair per llama_decode with and without flash attention, 2/4/8
pairs packed into one decode, and llama-cpp-python's embed(list) / embed() one text at a time. T = threads.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import llama_cpp  # noqa: E402

from app.backends.gguf_meta import read_gguf  # noqa: E402
from app.backends.llama_tokenizer import LlamaPairTokenizer  # noqa: E402
from app.bench.synthetic import find_tokenizer, synthetic  # noqa: E402
from app.core.families import detect_from_gguf  # noqa: E402

MODEL = os.environ.get("BENCH_MODEL", "/work/bench_models/minilm-ce")
THREADS = int(os.environ.get("T", "1"))
N_DOCS = 48


def open_model(path: str, flash: bool, n_ctx: int = 512) -> llama_cpp.Llama:
    return llama_cpp.Llama(model_path=path, embedding=True, pooling_type=llama_cpp.LLAMA_POOLING_TYPE_RANK,
                           n_ctx=n_ctx, n_batch=n_ctx, n_ubatch=n_ctx, n_threads=THREADS, n_threads_batch=THREADS,
                           flash_attn=flash, verbose=False)


def score_packed(llm: llama_cpp.Llama, pairs: list[list[int]], k: int) -> list[float]:
    """k pre-tokenized pairs per llama_decode, each its own sequence id."""
    ctx, batch, out = llm._ctx, llama_cpp.llama_batch_init(2048, 0, k), []
    for start in range(0, len(pairs), k):
        group, j = pairs[start:start + k], 0
        for seq, ids in enumerate(group):
            for pos, tok in enumerate(ids):
                batch.token[j], batch.pos[j], batch.n_seq_id[j], batch.logits[j] = tok, pos, 1, 1
                batch.seq_id[j][0] = seq
                j += 1
        batch.n_tokens = j
        ctx.kv_cache_clear()
        if llama_cpp.llama_decode(ctx.ctx, batch) != 0:
            raise RuntimeError("llama_decode failed")
        out.extend(float(llama_cpp.llama_get_embeddings_seq(ctx.ctx, seq)[0]) for seq in range(len(group)))
    llama_cpp.llama_batch_free(batch)
    return out


def timed(name: str, fn, reps: int = 3) -> None:
    fn()  # warm-up
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    print(f"{name:40s} {N_DOCS / sorted(times)[len(times) // 2]:.1f} pairs/s", flush=True)


def main() -> int:
    path = sys.argv[1] if len(sys.argv) > 1 else f"{MODEL}/gguf/model-f16.gguf"
    inputs = synthetic(N_DOCS, 128, 0, tokenizer=find_tokenizer(MODEL))
    meta, shapes, _ = read_gguf(Path(path))
    family = detect_from_gguf(meta, shapes)
    flash = open_model(path, True)
    pairs = [list(p.ids) for p in LlamaPairTokenizer(flash, family, meta).encode_pairs(
        inputs.query, list(inputs.documents), 512)]
    print(f"{path}: {THREADS} thread(s), mean {sum(map(len, pairs)) / len(pairs):.0f} tokens per pair")
    timed("1 pair/decode, flash attention", lambda: score_packed(flash, pairs, 1))
    wide = open_model(path, True, 2048)
    for k in (2, 4, 8):
        timed(f"{k} pairs/decode, flash attention", lambda k=k: score_packed(wide, pairs, k))
    wide.close()
    plain = open_model(path, False)
    timed("1 pair/decode, no flash attention", lambda: score_packed(plain, pairs, 1))
    texts = [f"{inputs.query} {d}" for d in inputs.documents]
    timed("embed(list), no flash attention", lambda: plain.embed(texts, truncate=True))
    timed("embed(list), flash attention", lambda: flash.embed(texts, truncate=True))
    timed("embed() one text at a time", lambda: [plain.embed(t) for t in texts])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
