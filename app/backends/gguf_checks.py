"""What llama.cpp would get wrong with a GGUF encoder, found in its metadata and tensor shapes before loading.

llama.cpp answers these files with a bare "failed to load model" (or aborts the process); the checks here name
the real cause and the fix. Every one was reproduced with llama-cpp-python 0.3.36's bundled convert_hf_to_gguf.py
(tests/fixtures/models/tiny-modernbert, tiny-bert-2label, tiny-distilbert):

- ModernBERT: the converter writes the norm epsilon only as ``modern-bert.attention.layer_norm_rms_epsilon``
  (ModernBERT's config calls it ``norm_eps``, which the converter reads as an RMS-norm epsilon), while llama.cpp
  requires ``modern-bert.attention.layer_norm_epsilon``.
- A 2-label BERT head whose config has no or default labels (``LABEL_0``/``LABEL_1``, or no ``id2label`` at
  all as transformers 5 writes it): the converter maps ``classifier`` to ``cls.weight`` (the pooler slot,
  [hidden, hidden]) instead of ``cls.output.weight``, so llama.cpp rejects its shape [hidden, 2].
- DistilBERT is written as plain ``bert`` (no ``token_types.weight``, ``pre_classifier`` as ``cls.weight``); it
  loads, but llama.cpp applies tanh after ``cls`` where DistilBERT uses ReLU (see ``is_distilbert``).
- ModernBERT contexts must be a multiple of 256 (``context_size``).
"""

from __future__ import annotations

MODERNBERT_CTX_MULTIPLE = 256


def _arch(meta: dict[str, str]) -> str:
    return meta.get("general.architecture", "")


def _n_embd(meta: dict[str, str]) -> int | None:
    value = meta.get(f"{_arch(meta)}.embedding_length", "")
    return int(value) if value.isdigit() else None


def load_problem(meta: dict[str, str], shapes: dict[str, tuple[int, ...]]) -> str | None:
    """A one-line cause and fix when llama.cpp cannot load this encoder GGUF as written, else None."""
    arch = _arch(meta)
    if arch == "modern-bert" and f"{arch}.attention.layer_norm_epsilon" not in meta \
            and f"{arch}.attention.layer_norm_rms_epsilon" in meta:
        return ("This ModernBERT GGUF has its norm epsilon only under 'modern-bert.attention.layer_norm_rms_"
                "epsilon' and not under 'modern-bert.attention.layer_norm_epsilon', which llama.cpp requires "
                "(llama.cpp's convert_hf_to_gguf.py reads ModernBERT's 'norm_eps' as an RMS-norm epsilon). Fix: add "
                "\"layer_norm_eps\": <the norm_eps value> to the checkpoint's config.json and convert it again.")
    cls = shapes.get("cls.weight")
    n_embd = _n_embd(meta)
    if arch in ("bert", "modern-bert") and cls is not None and "cls.output.weight" not in shapes \
            and n_embd is not None and len(cls) == 2 and min(cls) != n_embd:
        return (f"This GGUF holds a {min(cls)}-label classifier in 'cls.weight' (shape {list(cls)}), the slot of "
                f"the [{n_embd} x {n_embd}] pooler, so llama.cpp rejects it. convert_hf_to_gguf.py does this when "
                "the config.json has no id2label or only the default names LABEL_0/LABEL_1 (transformers 5 writes "
                "none for 2 labels). Fix: give the labels names in config.json, e.g. \"id2label\": {\"0\": "
                "\"not_relevant\", \"1\": \"relevant\"} (and the matching label2id), and convert it again.")
    return None


def is_distilbert(meta: dict[str, str], shapes: dict[str, tuple[int, ...]]) -> bool:
    """A DistilBERT cross-encoder converted to GGUF (written as plain 'bert').

    DistilBERT has no token-type embeddings, so the converter writes no ``token_types.weight`` (every BERT,
    RoBERTa and XLM-R checkpoint has one, even with a single type), and its ``pre_classifier`` becomes
    ``cls.weight`` with ``classifier`` as ``cls.output``.
    """
    return (_arch(meta) == "bert" and meta.get("tokenizer.ggml.model") == "bert"
            and "token_types.weight" not in shapes and "cls.weight" in shapes and "cls.output.weight" in shapes)


def context_size(arch: str, tokens: int) -> int:
    """n_ctx for ``tokens`` tokens: ModernBERT's graph asserts (GGML_ASSERT ggml_can_mul_mat, a process abort)
    unless it is a multiple of 256, so it is rounded up there."""
    if arch == "modern-bert":
        return -(-tokens // MODERNBERT_CTX_MULTIPLE) * MODERNBERT_CTX_MULTIPLE
    return tokens
