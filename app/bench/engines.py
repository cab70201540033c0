"""What a bench worker runs: our backend, or a runtime used raw (the baselines).

Every engine has ``load(spec) -> info``, ``prepare(query, docs, max_length, batch_size)`` (untimed: raw
engines tokenize, sort and pad here) and ``run() -> scores | None`` (timed by the worker). Raw engines use the
runtime the way its own documentation does, with the same file, threads and session options as our backend, so
the ratio ours/raw is our tokenization, batching and bookkeeping cost and nothing else.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np


class Ours:
    """Our backend through the public ``score`` API (tokenization and batching included in the time)."""

    def load(self, spec: dict) -> dict:
        from app.backends import registry
        from app.core.types import BackendConfig

        spec = dict(spec)
        self.batch_tokens = spec.pop("batch_tokens", None)
        self.batch_dynamic_quant = spec.pop("batch_dynamic_quant", False)
        self.backend = registry.load(BackendConfig(**spec))
        b = self.backend
        artifact = b.artifact or _artifact(b, spec)
        return {"label": f"ours ({b.name}, {b.precision})", "device": b.device, "precision": b.precision,
                "artifact": artifact, "notes": list(b.notes), "backend_load_ms": b.load_ms,
                "kind": b.family.kind, "max_length": b.family.max_length, "n_ctx": getattr(b, "n_ctx", None),
                "batch_dependent": b.batch_dependent,
                "tokenizer_dir": _near(artifact, ("tokenizer.json",)),
                "model_root": _near(artifact, ("model.safetensors", "pytorch_model.bin"))}

    def prepare(self, query: str, docs: list[str], max_length: int, batch_size: int) -> None:
        from app.core.types import ScoreOptions

        self.args = (query, docs, ScoreOptions(max_length=max_length, batch_size=batch_size,
                                               batch_tokens=self.batch_tokens,
                                               batch_dynamic_quant=self.batch_dynamic_quant))

    def run(self) -> list[float]:
        run = self.backend.score(*self.args)
        self.last_tokens = sum(r.token_count for r in run.results)
        return run.raw_scores


def _artifact(backend, spec: dict) -> str:
    """The file or folder the backend loaded, for backends that do not say (CT2: the model.bin folder)."""
    folder = getattr(getattr(backend, "model", None), "model_path", None)
    if folder:
        return str(folder)
    from app.backends.artifacts import model_path

    target = model_path(spec["path"], spec.get("file"))
    if backend.name == "ct2":
        from app.backends.ct2 import find_ct2_folder

        return str(find_ct2_folder(target))
    return str(target)


def _near(artifact: str, names: tuple[str, ...]) -> str | None:
    """The artifact's folder or one of its two parents holding any of ``names`` (and a config.json)."""
    start = Path(artifact) if Path(artifact).is_dir() else Path(artifact).parent
    for folder in (start, start.parent, start.parent.parent):
        if any((folder / n).is_file() for n in names):
            return str(folder)
    return None


def _hf_pairs(tokenizer_dir: str, query: str, docs: list[str], max_length: int):
    """Pre-tokenized pairs as the runtime's docs show: tokenizers, only the document side truncated."""
    from app.core.tokenization import load_tokenizer

    tok = load_tokenizer(Path(tokenizer_dir))
    tok.enable_truncation(max_length, strategy="only_second")
    return tok.encode_batch([(query, d) for d in docs])


def _sorted_batches(lengths: list[int], batch_size: int, spec: dict) -> list[list[int]]:
    """Length-sorted batches, bounded like ours (pairs and padded tokens): the comparison is about overhead."""
    from app.backends.batching import plan_batches

    return plan_batches(lengths, min(batch_size, spec.get("max_batch") or batch_size), spec.get("batch_tokens"))


class RawOnnx:
    """onnxruntime: InferenceSession.run on pre-padded, length-sorted int64 batches."""

    def load(self, spec: dict) -> dict:
        import onnxruntime as ort

        opts = ort.SessionOptions()  # the same options as app/backends/onnx.py
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if spec.get("threads"):
            opts.intra_op_num_threads = spec["threads"]
        opts.inter_op_num_threads = 1
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.add_session_config_entry("session.inter_op.allow_spinning", "0")
        opts.log_severity_level = 3
        opts.enable_cpu_mem_arena = False
        providers = ["CUDAExecutionProvider", "CPUExecutionProvider"] if spec.get("device") == "cuda" \
            else ["CPUExecutionProvider"]
        self.session = ort.InferenceSession(spec["artifact"], sess_options=opts, providers=providers)
        self.spec = spec
        self.inputs = {i.name: i.type for i in self.session.get_inputs()}
        return {"label": "raw onnxruntime", "device": ", ".join(self.session.get_providers()),
                "artifact": spec["artifact"], "notes": []}

    def prepare(self, query: str, docs: list[str], max_length: int, batch_size: int) -> None:
        enc = _hf_pairs(self.spec["tokenizer_dir"], query, docs, max_length)
        self.n = len(enc)
        self.batches = []
        for idx in _sorted_batches([len(e.ids) for e in enc], batch_size, self.spec):
            width = max(len(enc[i].ids) for i in idx)
            arrays = {k: np.zeros((len(idx), width), dtype=np.int64)
                      for k in ("input_ids", "attention_mask", "token_type_ids")}
            for row, i in enumerate(idx):
                n = len(enc[i].ids)
                arrays["input_ids"][row, :n] = enc[i].ids
                arrays["attention_mask"][row, :n] = 1
                arrays["token_type_ids"][row, :n] = enc[i].type_ids
            feed = {k: (v.astype(np.int32) if self.inputs[k] == "tensor(int32)" else v)
                    for k, v in arrays.items() if k in self.inputs}
            self.batches.append((idx, feed))

    def run(self) -> list[float]:
        out = np.empty(self.n, dtype=np.float64)
        for idx, feed in self.batches:
            (logits,) = self.session.run(None, feed)
            out[idx] = np.asarray(logits)[:, -1]
        return out.tolist()


class RawCT2:
    """CTranslate2: Encoder.forward_batch on length-sorted id lists; BERT head as one matmul."""

    def load(self, spec: dict) -> dict:
        import ctranslate2

        folder = Path(spec["artifact"])
        self.model = ctranslate2.Encoder(str(folder), device=spec.get("device", "cpu"),
                                         compute_type=spec.get("compute_type") or "default",
                                         intra_threads=spec.get("threads") or 0)
        self.spec = spec
        with np.load(folder / "classifier_head.npz") as head:
            self.w, self.b = head["classifier.weight"], head["classifier.bias"]
        return {"label": "raw CTranslate2", "device": f"{spec.get('device', 'cpu')} ({self.model.compute_type})",
                "artifact": str(folder), "notes": []}

    def prepare(self, query: str, docs: list[str], max_length: int, batch_size: int) -> None:
        enc = _hf_pairs(self.spec["tokenizer_dir"], query, docs, max_length)
        self.n = len(enc)
        self.batches = [(idx, [enc[i].ids for i in idx], [enc[i].type_ids for i in idx])
                        for idx in _sorted_batches([len(e.ids) for e in enc], batch_size, self.spec)]

    def run(self) -> list[float]:
        out = np.empty(self.n, dtype=np.float64)
        for idx, ids, types in self.batches:
            res = self.model.forward_batch(ids, token_type_ids=types)
            pooled = np.array(res.pooler_output, dtype=np.float32)
            out[idx] = (pooled @ self.w.T + self.b)[:, -1]
        return out.tolist()


def _llama(spec: dict, n_ctx: int, flash: bool):
    import llama_cpp

    from app.backends.llama_repack import open_llama
    from app.backends.llamacpp import default_threads

    threads = spec.get("threads") or default_threads()  # the same default as our backend: same threads
    gpu = spec.get("n_gpu_layers", -1) if spec.get("device") == "cuda" else 0
    llm, _ = open_llama(llama_cpp, spec["artifact"], embedding=True, pooling_type=llama_cpp.LLAMA_POOLING_TYPE_RANK,
                        n_ctx=n_ctx, n_batch=n_ctx, n_ubatch=n_ctx, n_threads=threads, n_threads_batch=threads,
                        n_gpu_layers=gpu, flash_attn=flash, verbose=False)  # same AMX rule as the backend
    return llm, f"{'cuda' if gpu else 'cpu'} ({threads} thread{'' if threads == 1 else 's'})"


class RawLlama:
    """llama.cpp low-level API: one pre-tokenized pair per llama_decode, flash attention, rank pooling."""

    def load(self, spec: dict) -> dict:
        from app.backends.gguf_meta import read_gguf
        from app.backends.llama_tokenizer import LlamaPairTokenizer
        from app.core.families import detect_from_gguf

        meta, shapes, _ = read_gguf(Path(spec["artifact"]))
        self.family = detect_from_gguf(meta, shapes)
        self.n_ctx = spec["n_ctx"]
        self.llm, device = _llama(spec, self.n_ctx, True)
        self.tokenizer = LlamaPairTokenizer(self.llm, self.family, meta)
        import llama_cpp

        self.batch = llama_cpp.llama_batch_init(self.n_ctx, 0, 1)
        return {"label": "raw llama.cpp (1 pair/decode)", "device": device, "artifact": spec["artifact"],
                "notes": []}

    def prepare(self, query: str, docs: list[str], max_length: int, batch_size: int) -> None:
        self.pairs = [list(p.ids) for p in self.tokenizer.encode_pairs(query, docs, max_length)]

    def run(self) -> list[float]:
        import llama_cpp

        ctx, b, out = self.llm._ctx, self.batch, []
        for ids in self.pairs:
            b.n_tokens = len(ids)
            for i, tok in enumerate(ids):
                b.token[i], b.pos[i], b.n_seq_id[i], b.logits[i] = tok, i, 1, 1
                b.seq_id[i][0] = 0
            ctx.kv_cache_clear()
            if llama_cpp.llama_decode(ctx.ctx, b) != 0:
                raise RuntimeError("llama_decode failed")
            out.append(float(llama_cpp.llama_get_embeddings_seq(ctx.ctx, 0)[0]))
        return out


class LlamaEmbedList:
    """llama-cpp-python's high-level ``Llama.embed(list)`` with rank pooling (what most users try first)."""

    def load(self, spec: dict) -> dict:
        self.llm, device = _llama(spec, spec.get("n_ctx", 512), False)
        return {"label": f"llama-cpp-python embed(list), n_ctx {spec.get('n_ctx', 512)}", "device": device,
                "artifact": spec["artifact"], "notes": ["query and document joined by a space (embed() cannot "
                                                        "take token ids or parse [SEP])"]}

    def prepare(self, query: str, docs: list[str], max_length: int, batch_size: int) -> None:
        self.texts = [f"{query} {d}" for d in docs]

    def run(self) -> None:
        self.llm.embed(self.texts, truncate=True)
        return None  # embed() in RANK mode returns a row of which only [0] is defined; not compared


class CrossEncoderST:
    """sentence-transformers CrossEncoder (torch fp32) on the model's Hugging Face weights."""

    def load(self, spec: dict) -> dict:
        import torch
        from sentence_transformers import CrossEncoder

        if spec.get("threads"):
            torch.set_num_threads(spec["threads"])
        device = "cuda" if spec.get("device") == "cuda" else "cpu"
        self.model = CrossEncoder(spec["artifact"], device=device, max_length=spec.get("max_length", 512))
        return {"label": "sentence-transformers CrossEncoder (torch fp32)", "device": f"{device} "
                f"({torch.get_num_threads()} threads)", "artifact": spec["artifact"], "notes": []}

    def prepare(self, query: str, docs: list[str], max_length: int, batch_size: int) -> None:
        self.pairs, self.batch_size = [(query, d) for d in docs], batch_size

    def run(self) -> list[float]:
        scores = self.model.predict(self.pairs, batch_size=self.batch_size, activation_fn=_identity(),
                                    show_progress_bar=False)
        return [float(s) for s in np.asarray(scores).reshape(-1)]


def _identity():
    import torch

    return torch.nn.Identity()


ENGINES = {"ours": Ours, "raw-onnx": RawOnnx, "raw-ct2": RawCT2, "raw-llama": RawLlama,
           "llama-embed-list": LlamaEmbedList, "st-cross-encoder": CrossEncoderST}


def timed(engine) -> tuple[float, list[float] | None]:
    started = time.perf_counter()
    scores = engine.run()
    return time.perf_counter() - started, scores
