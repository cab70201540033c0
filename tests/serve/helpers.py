"""Helpers for the HTTP tests: a small real Backend (word-overlap scorer), servers on free loopback ports."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import numpy as np

from app.backends import registry
from app.backends.base import Backend
from app.core.families import family_by_name
from app.core.tokenization import HFPairTokenizer
from app.core.types import BackendConfig, ScoreOptions
from app.serve.app import ServeSettings, build_app
from app.serve.protocol import Limits
from app.serve.server import ServerThread
from app.serve.worker import ScoringWorker

WORDS = ("what is deep learning a subset of machine based on artificial neural networks apples are red and "
         "sweet fruits that grow trees the theory relativity was developed by albert einstein simulate human "
         "brain to solve complex problems capital france paris berlin germany").split()

QUERY = "What is deep learning?"
DOCS = [
    "Deep learning is a subset of machine learning based on artificial neural networks.",
    "Apples are red and sweet fruits that grow on trees.",
    "The theory of relativity was developed by Albert Einstein.",
    "Neural networks simulate the human brain to solve complex problems.",
]


def _tokenizer():
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    vocab = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3}
    for w in WORDS:
        vocab.setdefault(w, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    return tok


class OverlapBackend(Backend):
    """A real Backend (shared tokenization, batching, warnings) whose 'model' counts query words in the document.

    raw = 2 * (distinct known query words found in the document segment) - 3, a logit.
    """

    name = "overlap"
    label = "word overlap (tests)"

    def _load(self, config: BackendConfig) -> None:
        self.family = family_by_name("bert")
        self.tokenizer = HFPairTokenizer(_tokenizer(), self.family)
        self.device = "cpu"
        self.precision = "fp32"
        self.model_name = "overlap-test"
        self.thread_ids: set[int] = set()

    def score(self, query, documents, options=None, **kwargs):
        """``CRASH:SIGSEGV`` as the query kills this process with that signal; ``SLEEP:2`` sleeps first."""
        import os
        import signal
        import time

        if query.startswith("CRASH:"):
            os.kill(os.getpid(), getattr(signal, query[6:]))
            time.sleep(10)
        if query.startswith("SLEEP:"):
            time.sleep(float(query[6:]))
        return super().score(query, documents, options, **kwargs)

    def _run_batch(self, pairs) -> np.ndarray:
        import threading

        self.thread_ids.add(threading.get_ident())
        out = []
        for p in pairs:
            query = {t for t, k in zip(p.ids, p.type_ids) if k == 0 and t > 3}
            doc = {t for t, k in zip(p.ids, p.type_ids) if k == 1 and t > 3}
            out.append(2.0 * len(query & doc) - 3.0)
        return np.asarray(out, dtype=np.float64)


class SlowOverlapBackend(OverlapBackend):
    """Scores like the overlap backend, but each batch takes 1.5 s (longer than a test's header deadline)."""

    name = "slow-overlap"

    def _run_batch(self, pairs) -> np.ndarray:
        import time

        time.sleep(1.5)
        return super()._run_batch(pairs)


registry.register("overlap", OverlapBackend)
registry.register("slow-overlap", SlowOverlapBackend)
OVERLAP = BackendConfig(path="", backend="overlap")
PLUGIN = __file__  # the served model runs in a worker process: this file registers "overlap" there too


def start_server(config: BackendConfig = OVERLAP, api_key: str | None = None, limits: Limits | None = None,
                 options: ScoreOptions | None = None, model_id: str = "overlap-test", window_ms: float = 2.0):
    worker = ScoringWorker(config, window_ms=window_ms, plugins=[PLUGIN])
    settings = ServeSettings(model_id, api_key, limits or Limits(), options or ScoreOptions())
    server = ServerThread(build_app(worker, settings))
    server.start()
    server.worker = worker  # type: ignore[attr-defined]
    return server


def call(method: str, url: str, body=None, headers: dict | None = None, raw: bytes | None = None,
         timeout: float = 30.0):
    """(status, parsed JSON body, headers) over real HTTP."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    hdrs = {"Content-Type": "application/json"} if data is not None else {}
    hdrs.update(headers or {})
    req = urllib.request.Request(url, data=data, headers=hdrs, method=method)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read()), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read()), dict(exc.headers)
