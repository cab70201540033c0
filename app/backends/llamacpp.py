"""llama-cpp-python backend: GGUF rerankers through the low-level API.

``Llama.embed()`` is not used: it tokenizes joined strings without parsing special tokens and batches
pairs into one huge ubatch. Here each pair is laid out as llama.cpp's server does (the GGUF's ``rerank``
template when present, else BOS/EOS/SEP per the vocab flags), sits in its own sequence, and is decoded
alone with flash attention (measured fastest on CPU, FACTS.md). Rank-pooling output is read with
``llama_get_embeddings_seq``; decoder rerankers without a rank head are scored from last-token logits.
"""

from __future__ import annotations

import ctypes
import logging
import os
from dataclasses import replace
from pathlib import Path

import numpy as np

from app.backends import gguf_checks
from app.backends.artifacts import find_file, model_path, wrong_format
from app.backends.base import Backend
from app.backends.gguf_meta import TENSOR_TYPES, read_gguf
from app.backends.llama_repack import open_llama
from app.backends.llama_tokenizer import LlamaPairTokenizer
from app.core.errors import DeviceUnavailableError, ModelLoadError, UnsupportedError
from app.core.families import detect_from_gguf, family_by_name, read_config, read_hint, with_prompt_format
from app.core.pairs import EncodedPair
from app.core.scores import logit
from app.core.types import BackendConfig

log = logging.getLogger("llama_cpp.native")
# *ForSequenceClassification checkpoints the bundled convert_hf_to_gguf.py accepts (FACTS.md): encoders only
_GGML_F32 = 0  # ggml_type GGML_TYPE_F32
_GGUF_SEQ_CLS = ("Bert", "DistilBert", "Roberta", "XLMRoberta", "ModernBert", "NeoBERT")
_log_callback = None


def _route_native_logs(llama_cpp) -> None:
    """Send llama.cpp's own log lines to Python logging (debug) instead of the terminal."""
    global _log_callback
    if _log_callback is not None:
        return

    @llama_cpp.llama_log_callback
    def _callback(level: int, text: bytes, user_data) -> None:
        log.debug("%s", text.decode("utf-8", "replace").rstrip())

    _log_callback = _callback  # keep a reference: ctypes callbacks must outlive their registration
    llama_cpp.llama_log_set(_log_callback, ctypes.c_void_p(0))


def default_threads() -> int:
    """Half the logical cores (llama-cpp-python's own default, about the physical cores).

    ggml's threads wait for each other after every op, so oversubscribing (three columns on a small machine)
    collapses throughput: measured under load, 2 threads 2.6 pairs/s vs 1 thread 10.9 on 2 cores.
    """
    return max(1, (os.cpu_count() or 2) // 2)


def _find_gguf(folder: Path) -> Path:
    """The folder's GGUF; with none, say when llama.cpp's converter cannot make one for this checkpoint."""
    try:
        return find_file(folder, ".gguf", ())
    except ModelLoadError as exc:
        try:
            archs = read_config(folder).get("architectures") or [""]
        except ModelLoadError:
            raise exc from None
        arch = str(archs[0])
        if arch.endswith("ForSequenceClassification") and not arch.startswith(_GGUF_SEQ_CLS):
            raise UnsupportedError(
                f"No .gguf file in {folder}, and llama.cpp cannot run this {arch}: its converter "
                "(convert_hf_to_gguf.py) refuses sequence-classification decoders (\"Model "
                f"{arch} is not supported\"). Use the ONNX backend for this model.") from None
        raise


class LlamaCppBackend(Backend):
    name = "gguf"
    label = "GGUF (llama.cpp)"
    default_batch_size = 16  # pairs between progress/cancel checks; each pair is its own llama_decode

    def _load(self, config: BackendConfig) -> None:
        target = model_path(config.path, config.file)
        path = _find_gguf(target) if target.is_dir() else target
        with path.open("rb") as fh:
            if fh.read(4) != b"GGUF":
                raise wrong_format(path, "gguf")
        meta, shapes, self.precision = read_gguf(path)
        self.meta = meta
        problem = gguf_checks.load_problem(meta, shapes)
        if problem:
            raise ModelLoadError(f"{path.name}: {problem}")
        family = family_by_name(config.family) if config.family \
            else detect_from_gguf(meta, shapes, hint=read_hint(path.parent))
        if not config.family and gguf_checks.is_distilbert(meta, shapes):
            family = replace(family, name="distilbert", has_pooler=False)
        self.family = with_prompt_format(family, config.prompt_format)
        self.rank_head = "cls.output.weight" in shapes
        self._open(path, config)
        self.tokenizer = LlamaPairTokenizer(self.llm, self.family, meta)
        if self.family.kind == "decoder" and not self.rank_head:
            self.pos_id = self.tokenizer.token_id(self.family.positive_token)
            self.neg_id = self.tokenizer.token_id(self.family.negative_token) if self.family.negative_token else None
        self.model_name = path.name
        self.artifact = str(path)

    def _open(self, path: Path, config: BackendConfig) -> None:
        import llama_cpp

        _route_native_logs(llama_cpp)
        gpu_layers = 0
        if config.device == "cuda":
            if not llama_cpp.llama_supports_gpu_offload():
                raise DeviceUnavailableError("CUDA was chosen but this llama-cpp-python build has no GPU support. "
                                             "Reinstall it with CMAKE_ARGS=-DGGML_CUDA=on, or choose CPU.")
            gpu_layers = config.n_gpu_layers
        ctx_train = int(self.meta.get(f"{self.meta.get('general.architecture', '')}.context_length", 512) or 512)
        # decoder prompts hold a template outside max_length (mxbai, FlagLLMReranker): leave room for it
        n_ctx = gguf_checks.context_size(
            self.meta.get("general.architecture", ""),
            min(self.family.max_length + (1024 if self.family.kind == "decoder" else 0), ctx_train) + 8)
        encoder = self.family.kind == "encoder"
        exact_kv = not encoder and self.precision == "f32"
        threads = config.threads or default_threads()
        tensor_types = set(filter(None, self.meta.get(TENSOR_TYPES, "").split(",")))
        try:
            self.llm, repack = open_llama(
                llama_cpp,
                str(path),
                tensor_types,
                embedding=self.rank_head,
                pooling_type=llama_cpp.LLAMA_POOLING_TYPE_RANK if self.rank_head else -1,
                n_ctx=n_ctx,
                n_batch=n_ctx,
                n_ubatch=n_ctx if encoder else min(n_ctx, 512),  # non-causal models need ubatch >= tokens
                n_threads=threads,
                n_threads_batch=threads,
                n_gpu_layers=gpu_layers,
                # f32 decoder weights: f32 K/V and no flash attention. llama.cpp's f16 KV cache (and CPU flash
                # attention, which rounds K/V to f16) cost 0.0055 logits on an f32 mxbai GGUF; with both off it
                # matched transformers to 3e-6. It halved pairs/s on the tiny fixture, and on f16/q8_0 files the
                # weights' own rounding dominates (mxbai f16: 0.0090 -> 0.0080), so those keep flash attention.
                flash_attn=not exact_kv,
                **({"type_k": _GGML_F32, "type_v": _GGML_F32} if exact_kv else {}),
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelLoadError(f"llama.cpp could not load {path.name}: {exc}. The file may be corrupt, or made "
                                 "for a newer llama.cpp: update llama-cpp-python.") from exc
        self.ctx = self.llm._ctx
        self.batch = llama_cpp.llama_batch_init(n_ctx, 0, 1)
        self.n_ctx = n_ctx
        self.n_out = max(1, llama_cpp.llama_model_n_cls_out(self.llm._model.model)) if self.rank_head else 0
        self.n_vocab = self.llm.n_vocab()
        offloaded = gpu_layers != 0 and llama_cpp.llama_supports_gpu_offload()
        plural = "" if threads == 1 else "s"
        repacked = "" if repack.use_extra_bufts else ", no weight repacking"
        self.device = (f"cuda (n_gpu_layers={gpu_layers})" if offloaded
                       else f"cpu ({threads} thread{plural}{repacked})")
        if repack.reason:
            self.notes = (*self.notes, repack.reason)

    def close(self) -> None:
        import llama_cpp

        if getattr(self, "batch", None) is not None:
            llama_cpp.llama_batch_free(self.batch)
            self.batch = None
        if getattr(self, "llm", None) is not None:
            self.llm.close()
            self.llm = None

    def _decode_one(self, ids) -> None:
        import llama_cpp

        n = len(ids)
        if n > self.n_ctx:
            raise ModelLoadError(f"a pair of {n} tokens exceeds the context of {self.n_ctx}")
        b = self.batch
        b.n_tokens = n
        for i, tok in enumerate(ids):
            b.token[i] = tok
            b.pos[i] = i
            b.n_seq_id[i] = 1
            b.seq_id[i][0] = 0
            b.logits[i] = 1 if self.rank_head else 0  # pooling reads every position
        b.logits[n - 1] = 1
        self.ctx.kv_cache_clear()
        rc = llama_cpp.llama_decode(self.ctx.ctx, b)
        if rc != 0:
            raise RuntimeError(f"llama_decode returned {rc}")

    def _score_one(self, pair: EncodedPair) -> float:
        import llama_cpp

        self._decode_one(pair.ids)
        if self.rank_head:
            out = llama_cpp.llama_get_embeddings_seq(self.ctx.ctx, 0)
            values = np.array(out[: self.n_out], dtype=np.float64)
            if self.family.score_rule == "yes_no":  # llama.cpp's Qwen3 rank head already returns P(yes)
                return float(logit(values[0]))
            return float(values[1] - values[0]) if self.n_out == 2 else float(values[0])
        row = llama_cpp.llama_get_logits_ith(self.ctx.ctx, -1)
        used = [[row[self.pos_id]] + ([row[self.neg_id]] if self.neg_id is not None else [])]
        # llama.cpp applies Gemma2's final soft-capping in its graph
        return float(self.family.decoder_score(used, 0, 1 if self.neg_id is not None else None)[0])

    def _run_batch(self, pairs: list[EncodedPair]) -> np.ndarray:
        return np.array([self._score_one(p) for p in pairs], dtype=np.float64)
