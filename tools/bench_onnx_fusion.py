"""ONNX fp32: the plain export against onnxruntime transformer-optimizer fusion subsets, timed in one process.

    [BATCH=32] [LENGTH=141] [REPS=5] python tools/bench_onnx_fusion.py [THREADS]

Model: $BENCH_MODEL/onnx/model.onnx (BENCH_MODEL=/work/bench_models/minilm-ce, an eager-attention export with
config.json heads 12 / hidden 384). Needs onnx and sympy. Batch 32 x 141 tokens, 5 interleaved repetitions,
medians (docs/bench.md, "Why fusion is off on CPU").
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
from onnxruntime.transformers.fusion_options import FusionOptions
from onnxruntime.transformers.optimizer import optimize_model

MODEL = Path(os.environ.get("BENCH_MODEL", "/work/bench_models/minilm-ce"))
VARIANTS = {
    "all fusions": {},
    "no attention": {"enable_attention": False},
    "no embed-layer-norm": {"enable_embed_layer_norm": False},
    "neither": {"enable_attention": False, "enable_embed_layer_norm": False},
    "MultiHeadAttention op": {"use_multi_head_attention": True},
    "no gelu/bias fusions": {"enable_bias_gelu": False, "enable_gelu": False, "enable_bias_skip_layer_norm": False},
}
BATCH, LENGTH = int(os.environ.get("BATCH", 32)), int(os.environ.get("LENGTH", 141))
REPS = int(os.environ.get("REPS", 5))


def main() -> int:
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    source = MODEL / "onnx" / "model.onnx"
    config = json.loads((MODEL / "config.json").read_text())
    files = {"plain export": str(source)}
    tmp = Path(tempfile.mkdtemp(prefix="fusion-"))
    for name, flags in VARIANTS.items():
        options = FusionOptions("bert")
        for key, value in flags.items():
            setattr(options, key, value)
        model = optimize_model(str(source), model_type="bert", num_heads=config["num_attention_heads"],
                               hidden_size=config["hidden_size"], opt_level=0, optimization_options=options)
        files[name] = str(tmp / f"{name.replace(' ', '_')}.onnx")
        model.save_model_to_file(files[name])
    rng = np.random.default_rng(0)
    arrays = {"input_ids": rng.integers(1000, 20000, (BATCH, LENGTH)).astype(np.int64),
              "attention_mask": np.ones((BATCH, LENGTH), np.int64),
              "token_type_ids": np.zeros((BATCH, LENGTH), np.int64)}
    arrays["token_type_ids"][:, 20:] = 1
    sessions = {}
    for name, path in files.items():
        opts = ort.SessionOptions()
        opts.intra_op_num_threads, opts.inter_op_num_threads, opts.enable_cpu_mem_arena = threads, 1, False
        session = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
        feeds = {i.name: arrays[i.name] for i in session.get_inputs()}
        session.run(None, feeds)  # warm-up
        sessions[name] = (session, feeds)
    times: dict[str, list[float]] = {name: [] for name in sessions}
    for _ in range(REPS):  # interleaved, so load changes hit every variant alike
        for name, (session, feeds) in sessions.items():
            t0 = time.perf_counter()
            session.run(None, feeds)
            times[name].append(time.perf_counter() - t0)
    print(f"onnxruntime {ort.__version__}, {threads} thread(s), batch {BATCH} x {LENGTH} tokens")
    for name, values in times.items():
        print(f"{name:22s} {BATCH / float(np.median(values)):.1f} pairs/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
