"""Pair scorers (raw logits) for the torch model and the three shipped runtimes, plus baselines.

Every cross-encoder scorer takes the same token ids from common.encode_pair, so differences between
runtimes are numeric, never tokenization.
"""
from __future__ import annotations

import ctypes
from pathlib import Path

import numpy as np
from common import MAX_LEN, bm25_tokens, embed, encode_pair, load_biencoder, pad_batch


def _batched(seqs, batch_size, fn):
    """Run fn(list_of_seqs) on length-sorted batches; return scores in the original order."""
    order = sorted(range(len(seqs)), key=lambda i: len(seqs[i][0]))
    out = np.zeros(len(seqs), dtype=np.float64)
    for s in range(0, len(order), batch_size):
        idx = order[s:s + batch_size]
        out[idx] = fn([seqs[i] for i in idx])
    return out


class TorchScorer:
    def __init__(self, model_dir, threads=2, attn="eager"):
        import torch
        from transformers import BertForSequenceClassification

        torch.set_num_threads(threads)
        self.torch = torch
        self.model = BertForSequenceClassification.from_pretrained(str(model_dir), attn_implementation=attn).eval()

    def __call__(self, seqs, batch_size=32, zero_types=False):
        def fn(batch):
            ids, mask, types = pad_batch(batch)
            if zero_types:
                types = np.zeros_like(types)
            with self.torch.inference_mode():
                out = self.model(input_ids=self.torch.from_numpy(ids), attention_mask=self.torch.from_numpy(mask),
                                 token_type_ids=self.torch.from_numpy(types)).logits
            return out[:, 0].double().numpy()

        return _batched(seqs, batch_size, fn)


class OnnxScorer:
    def __init__(self, path, threads=2):
        import onnxruntime as ort

        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.sess.get_inputs()]

    def __call__(self, seqs, batch_size=32, zero_types=False):
        def fn(batch):
            ids, mask, types = pad_batch(batch)
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types * (0 if zero_types else 1)}
            return self.sess.run(["logits"], {k: feed[k] for k in self.inputs})[0][:, 0]

        return _batched(seqs, batch_size, fn)


class CT2Scorer:
    def __init__(self, folder, threads=2, compute_type="int8"):
        import ctranslate2

        folder = Path(folder)
        self.enc = ctranslate2.Encoder(str(folder), device="cpu", compute_type=compute_type, intra_threads=threads)
        head = np.load(folder / "classifier_head.npz")
        self.w, self.b = head["classifier.weight"].astype(np.float64), head["classifier.bias"].astype(np.float64)

    def __call__(self, seqs, batch_size=32, zero_types=False):
        def fn(batch):
            ids = [list(map(int, s[0])) for s in batch]
            types = [[0] * len(s[1]) if zero_types else list(map(int, s[1])) for s in batch]
            out = self.enc.forward_batch(ids, token_type_ids=types)
            pooled = np.asarray(out.pooler_output, dtype=np.float64)
            return (pooled @ self.w.T + self.b)[:, 0]

        return _batched(seqs, batch_size, fn)


class GGUFScorer:
    """llama.cpp rank pooling through the low-level API: one pair per llama_decode, seq 0."""

    def __init__(self, path, threads=2, n_ctx=MAX_LEN):
        import llama_cpp as lc

        self.lc = lc
        lc.llama_backend_init()
        mp = lc.llama_model_default_params()
        self.model = lc.llama_model_load_from_file(str(path).encode(), mp)
        cp = lc.llama_context_default_params()
        cp.n_ctx = cp.n_batch = cp.n_ubatch = n_ctx
        cp.n_seq_max = 1
        cp.embeddings = True
        cp.pooling_type = lc.LLAMA_POOLING_TYPE_RANK
        cp.n_threads = cp.n_threads_batch = threads
        if hasattr(cp, "flash_attn_type"):
            cp.flash_attn_type = 1
        self.ctx = lc.llama_init_from_model(self.model, cp)
        self.vocab = lc.llama_model_get_vocab(self.model)
        self.batch = lc.llama_batch_init(n_ctx, 0, 1)

    def detokenize(self, ids) -> str:
        buf = ctypes.create_string_buffer(8192)
        arr = (self.lc.llama_token * len(ids))(*ids)
        n = self.lc.llama_detokenize(self.vocab, arr, len(ids), buf, len(buf), False, True)  # render specials
        return buf.raw[:n].decode("utf-8", "replace")

    def tokenize(self, text: str, add_special=True):
        raw = text.encode()
        arr = (self.lc.llama_token * (len(raw) + 8))()
        n = self.lc.llama_tokenize(self.vocab, raw, len(raw), arr, len(arr), add_special, True)
        return list(arr[:n])

    def score_ids(self, ids) -> float:
        lc, b = self.lc, self.batch
        lc.llama_memory_clear(lc.llama_get_memory(self.ctx), True)
        b.n_tokens = len(ids)
        for i, t in enumerate(ids):
            b.token[i], b.pos[i], b.n_seq_id[i], b.logits[i] = int(t), i, 1, True
            b.seq_id[i][0] = 0
        if lc.llama_decode(self.ctx, b) != 0:
            raise RuntimeError("llama_decode failed")
        return float(lc.llama_get_embeddings_seq(self.ctx, 0)[0])

    def __call__(self, seqs, batch_size=1, zero_types=False):
        return np.array([self.score_ids(s[0]) for s in seqs], dtype=np.float64)

    def close(self):
        self.lc.llama_batch_free(self.batch)
        self.lc.llama_free(self.ctx)
        self.lc.llama_model_free(self.model)


def cross_scores(scorer, tok, rows, max_len=MAX_LEN, **kw):
    """Score every (query, document) of rows with a cross-encoder scorer; returns one array per row."""
    seqs, spans = [], []
    for r in rows:
        spans.append((len(seqs), len(r["documents"])))
        seqs += [encode_pair(tok, r["query"], d, max_len) for d in r["documents"]]
    flat = scorer(seqs, **kw)
    return [flat[a:a + n] for a, n in spans]


def bm25_scores(rows):
    """BM25Okapi (k1=1.5, b=0.75) with corpus statistics from all documents of the evaluation file."""
    from rank_bm25 import BM25Okapi

    corpus = sorted({d for r in rows for d in r["documents"]})
    index = {d: i for i, d in enumerate(corpus)}
    bm = BM25Okapi([bm25_tokens(d) for d in corpus])
    out = []
    for r in rows:
        s = bm.get_scores(bm25_tokens(r["query"]))
        out.append(np.array([s[index[d]] for d in r["documents"]]))
    return out


def biencoder_scores(rows):
    """all-MiniLM-L6-v2 cosine (its own config: mean pooling, max_seq_length 256)."""
    m = load_biencoder()
    docs = sorted({d for r in rows for d in r["documents"]})
    demb = dict(zip(docs, embed(m, docs)))
    qemb = embed(m, [r["query"] for r in rows])
    return [np.array([float(demb[d] @ q) for d in r["documents"]]) for r, q in zip(rows, qemb)]
