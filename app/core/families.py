"""Model-family detection from config.json or GGUF metadata, never from a repo name alone.

A family fixes how a pair is laid out, how the raw output becomes a score, and the default length limit.
Raw scores are always logits: for two-label heads ``l1 - l0``, for yes/no decoders ``l_yes - l_no``;
so the normalized score is always ``sigmoid(raw)`` and is never applied twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from app.core.errors import BadInputError, ModelLoadError, UnsupportedError
from app.core.model_config import BadConfigError, check_config
from app.core.prompts import PairIds, PromptFormat, Tokens
from app.core.safe_json import load_file

QWEN3_DEFAULT_INSTRUCTION = "Given a web search query, retrieve relevant passages that answer the query"
QWEN3_PREFIX = (
    "<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the "
    'Instruct provided. Note that the answer can only be "yes" or "no".<|im_end|>\n<|im_start|>user\n'
)
QWEN3_SUFFIX = "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"
QWEN3_BODY = "<Instruct>: {instruction}\n<Query>: {query}\n<Document>: {document}"

GEMMA_PROMPT = (
    "Given a query A and a passage B, determine whether the passage contains an answer to the query by "
    "providing a prediction of either 'Yes' or 'No'."
)
MXBAI_PREFIX = (
    "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
    "<|im_start|>user\n"
)
MXBAI_TASK = (
    "You are a search relevance expert who evaluates how well documents match search queries. For each "
    "query-document pair, carefully analyze the semantic relationship between them, then provide your "
    "binary relevance judgment (0 for not relevant, 1 for relevant).\nRelevance:"
)
MXBAI_SUFFIX = "<|im_end|>\n<|im_start|>assistant\n"


@dataclass(frozen=True)
class ModelFamily:
    """What the app needs to know to score a model faithfully."""

    name: str
    kind: str  # "encoder" | "decoder"
    architecture: str
    score_rule: str  # sigmoid | softmax | yes_no | token_logit | logit_diff | raw
    max_length: int
    num_labels: int = 1
    type_vocab_size: int = 1
    has_pooler: bool = False
    prompt: PromptFormat | None = None  # decoders: the prompt as token-id pieces (app.core.prompts)
    positive_token: str | None = None  # decoder: token whose logit is the score
    negative_token: str | None = None  # decoder: subtracted token, if any
    seq_cls: bool = False  # decoder with a classification head (``*ForSequenceClassification``)
    format_guessed: str = ""  # why the prompt format is a guess ("" when declared by the model)
    final_softcap: float | None = None  # Gemma2: logits = cap * tanh(logits / cap)
    attn_softcap: float | None = None  # Gemma2: attention scores soft-capped the same way
    attn_scale_mismatch: bool = False  # Gemma2: query_pre_attn_scalar != head_dim

    @property
    def uses_token_types(self) -> bool:
        return self.type_vocab_size >= 2

    @property
    def template(self) -> PromptFormat | None:  # older name, kept for callers
        return self.prompt

    @property
    def instruction_aware(self) -> bool:
        return self.prompt is not None and self.prompt.instruction_aware

    def describe_rule(self) -> str:
        return {
            "sigmoid": "sigmoid(logit)",
            "softmax": "softmax(logits)[1] = sigmoid(l1 - l0)",
            "yes_no": 'P(yes) = sigmoid(logit("yes") - logit("no"))',
            "token_logit": f'logit("{self.positive_token}"), sigmoid for the probability',
            "logit_diff": f'logit("{self.positive_token}") - logit("{self.negative_token}"), sigmoid',
            "raw": "raw logit (sigmoid shown for comparison only)",
        }[self.score_rule]

    def decoder_score(self, last_logits, pos_id: int | None, neg_id: int | None,
                      softcap_applied: bool = True):
        """The raw score from last-position logits ``[batch, vocab]`` (or seq-cls head logits).

        ``softcap_applied`` False: the runtime skipped Gemma2's final logit soft-capping (CTranslate2), so it
        is applied here; it is elementwise, so capping the two used logits equals capping all of them.
        """
        import numpy as np

        from app.core.scores import logits_to_raw

        logits = np.asarray(last_logits, dtype=np.float64)
        if self.seq_cls or pos_id is None:
            return logits_to_raw(logits)
        pos = logits[:, pos_id]
        neg = logits[:, neg_id] if neg_id is not None else None
        if self.final_softcap and not softcap_applied:
            cap = float(self.final_softcap)
            pos = cap * np.tanh(pos / cap)
            neg = cap * np.tanh(neg / cap) if neg is not None else None
        return pos - neg if neg is not None else pos


_ENCODERS = {
    "bert": "bert",
    "distilbert": "distilbert",
    "roberta": "xlm-roberta",
    "xlm-roberta": "xlm-roberta",
    "camembert": "xlm-roberta",
    "modernbert": "modernbert",
    "deberta-v2": "deberta-v2",
    "electra": "electra",
}


def _encoder_family(config: dict) -> ModelFamily:
    model_type = str(config.get("model_type", "")).lower()
    name = _ENCODERS[model_type]
    num_labels = _num_labels(config)
    if num_labels not in (1, 2):
        raise UnsupportedError(
            f"This {model_type} model has {num_labels} output labels; a reranker needs 1 (relevance logit) "
            "or 2 (not relevant / relevant)."
        )
    max_pos = int(config.get("max_position_embeddings", 512))
    if name == "xlm-roberta":
        max_pos -= 2  # RoBERTa reserves padding_idx + 1 positions
    limit = 8192 if name == "modernbert" else 512
    return ModelFamily(
        name=name,
        kind="encoder",
        architecture=model_type,
        score_rule="sigmoid" if num_labels == 1 else "softmax",
        max_length=min(limit, max_pos),
        num_labels=num_labels,
        type_vocab_size=int(config.get("type_vocab_size", 0 if name == "distilbert" else 1)),
        has_pooler=name == "bert",
    )


def _num_labels(config: dict) -> int:
    if "num_labels" in config:
        return int(config["num_labels"])
    id2label = config.get("id2label")
    return len(id2label) if isinstance(id2label, dict) and id2label else 1


# One definition per decoder family: its prompt as token-id pieces (app.core.prompts) and its score rule.
QWEN3_FORMAT = PromptFormat("qwen3-reranker", "qwen3", QWEN3_BODY, prefix=QWEN3_PREFIX, suffix=QWEN3_SUFFIX,
                            default_instruction=QWEN3_DEFAULT_INSTRUCTION,
                            description="Qwen3-Reranker: prefix + tok(instruct/query/document) + suffix")
GEMMA_FORMAT = PromptFormat("bge-gemma", "flag_llm", "A: {query}", "B: {document}",
                            default_instruction=GEMMA_PROMPT,
                            description="FlagLLMReranker: [bos] A: {q} \\n B: {d} \\n prompt")
MXBAI_FORMAT = PromptFormat("mxbai-v2", "mxbai", "query: {query}", "document: {document}",
                            prefix=MXBAI_PREFIX, suffix=MXBAI_SUFFIX, task=MXBAI_TASK,
                            instruction_prefix="instruction: {instruction}",
                            description="mxbai_rerank v2: chat prefix + query + document + task + suffix")
DEAR_FORMAT = PromptFormat("dear", "pair", "query: {query}", "document: {document}",
                           description='DeAR: tokenizer("query: {q}", "document: {d}"), the pair template')
PAIR_FORMAT = PromptFormat("pair", "pair", "{query}", "{document}",
                           description="the tokenizer's own pair template around query and document")
NO_TEMPLATE = PromptFormat("none", "qwen3", "{query}\n{document}", description="query, newline, document")
PROMPT_FORMATS = {f.name: f for f in (QWEN3_FORMAT, GEMMA_FORMAT, MXBAI_FORMAT, DEAR_FORMAT, PAIR_FORMAT)}
DEAR_MAX_LENGTH = 228  # the DeAR model cards' max_length
FLAG_LLM_MAX_LENGTH = 512  # FlagLLMReranker's default max_length (passage budget)

# causal-LM families: (format, score rule, positive token, negative token, default max_length)
_CAUSAL = {
    "qwen3-reranker": (QWEN3_FORMAT, "yes_no", "yes", "no", 8192),
    "bge-gemma": (GEMMA_FORMAT, "token_logit", "Yes", None, FLAG_LLM_MAX_LENGTH),
    "mxbai-v2": (MXBAI_FORMAT, "logit_diff", "1", "0", 8192),
}


def pair_ids(family: ModelFamily, tokens: Tokens, query: str, document: str, max_length: int | None = None,
             instruction: str | None = None) -> PairIds:
    """A decoder pair's token ids, exactly as the family's official code lays them out (app.core.prompts)."""
    if family.prompt is None:
        raise UnsupportedError(f"{family.name} is not a decoder family with a prompt format.")
    return family.prompt.build(tokens, query, document, max_length or family.max_length, instruction)


def score_token_ids(family: ModelFamily, tokens: Tokens) -> tuple[int | None, int | None]:
    """(positive, negative) vocabulary ids the score reads (None for seq-cls heads), first id of each word."""
    def first(word: str | None) -> int | None:
        return list(tokens.encode(word))[0] if word else None

    return first(family.positive_token), first(family.negative_token)


def prompt_format(name: str) -> PromptFormat:
    if name not in PROMPT_FORMATS:
        raise UnsupportedError(f"Unknown prompt format '{name}'. Known: {', '.join(PROMPT_FORMATS)}.")
    return PROMPT_FORMATS[name]


def with_prompt_format(family: ModelFamily, name: str | None) -> ModelFamily:
    """The family with its prompt format chosen by the user (declared, so no 'guessed' warning)."""
    if not name:
        return family
    if family.kind != "decoder":
        raise UnsupportedError(f"--prompt-format applies to decoder rerankers; {family.name} is an encoder.")
    fmt = prompt_format(name)
    max_length = min(family.max_length, DEAR_MAX_LENGTH) if name == "dear" else family.max_length
    return replace(family, prompt=fmt, format_guessed="", max_length=max_length)


def _softcaps(config: dict) -> dict:
    if str(config.get("model_type", "")).lower() != "gemma2":
        return {}
    head_dim = config.get("head_dim")
    scalar = config.get("query_pre_attn_scalar")
    return {"final_softcap": config.get("final_logit_softcapping"),
            "attn_softcap": config.get("attn_logit_softcapping"),
            "attn_scale_mismatch": scalar is not None and head_dim is not None and scalar != head_dim}


def _causal_family(name: str, config: dict, model_type: str) -> ModelFamily:
    fmt, rule, pos, neg, limit = _CAUSAL[name]
    max_pos = int(config.get("max_position_embeddings", 8192) or 8192)
    return ModelFamily(name, "decoder", model_type, rule, min(limit, max_pos), prompt=fmt, positive_token=pos,
                       negative_token=neg, **_softcaps(config))


def _seq_cls_format(config: dict, model_type: str, card: str) -> tuple[PromptFormat, str]:
    """(format, why it is a guess or ""), from config keys and the model card, never from a repo name."""
    text = card.lower()
    qwen3_keys = {"classifier_from_token", "is_original_qwen3_reranker"} & set(config)
    if "judge whether the document meets the requirements" in text or qwen3_keys \
            or (model_type == "qwen3" and "qwen3-reranker" in text):
        return QWEN3_FORMAT, ""
    if re.search(r"query: \{[^}]*\}", card) and re.search(r"document: \{[^}]*\}", card):
        return DEAR_FORMAT, ""
    if model_type == "qwen3":
        return QWEN3_FORMAT, ("neither config.json nor the model card declares a prompt format; the Qwen3-Reranker "
                              "template (the one Qwen3 -seq-cls conversions use) is assumed")
    return DEAR_FORMAT, ('neither config.json nor the model card declares a prompt format; the DeAR layout '
                         'tokenizer("query: {q}", "document: {d}") is assumed')


def _seq_cls_family(config: dict, model_type: str, fmt: PromptFormat, guessed: str) -> ModelFamily:
    num_labels = _num_labels(config)
    if num_labels not in (1, 2):
        raise UnsupportedError(f"This {model_type} classifier has {num_labels} output labels; a reranker needs 1 "
                               "(relevance logit) or 2 (not relevant / relevant).")
    max_pos = int(config.get("max_position_embeddings", 8192) or 8192)
    limit = DEAR_MAX_LENGTH if fmt is DEAR_FORMAT else 8192
    rule = "raw" if fmt is DEAR_FORMAT else ("sigmoid" if num_labels == 1 else "softmax")
    return ModelFamily(f"{model_type}-seq-cls", "decoder", model_type, rule, min(limit, max_pos),
                       num_labels=num_labels, prompt=fmt, seq_cls=True, format_guessed=guessed,
                       **_softcaps(config))


def _decoder_family(config: dict, arch: str, hint: str = "", card: str = "") -> ModelFamily:
    model_type = str(config.get("model_type", "")).lower()
    if arch.endswith("ForSequenceClassification"):
        return _seq_cls_family(config, model_type, *_seq_cls_format(config, model_type, card))
    if model_type == "qwen3":
        return _causal_family("qwen3-reranker", config, model_type)
    if model_type in ("gemma", "gemma2"):
        return _causal_family("bge-gemma", config, model_type)
    if model_type == "qwen2" and "mxbai" in hint.lower():
        return _causal_family("mxbai-v2", config, model_type)
    raise UnsupportedError(
        f"{arch} ({model_type}) is a causal language model, not a known reranker family "
        "(Qwen3-Reranker, bge-reranker-v2-gemma, mxbai-rerank v2); pass --family to choose one."
    )


def detect_from_config(config: dict, hint: str = "", card: str = "") -> ModelFamily:
    """Detect the family from a transformers config.json dict.

    ``hint`` (a README title or repo name) only disambiguates architectures shared by several families;
    ``card`` (the model card's text) declares a sequence-classification decoder's prompt format.
    """
    config = check_config(config)
    archs = config.get("architectures") or []
    arch = str(archs[0]) if archs else ""
    model_type = str(config.get("model_type", "")).lower()
    if model_type in _ENCODERS:
        if arch and not arch.endswith("ForSequenceClassification"):
            raise UnsupportedError(
                f"{arch} has no classification head: it is an embedding/masked-LM model, not a cross-encoder "
                "reranker."
            )
        return _encoder_family(config)
    if arch.endswith(("ForCausalLM", "ForSequenceClassification")):
        return _decoder_family(config, arch, hint, card)
    raise UnsupportedError(
        f"Model type '{model_type or 'unknown'}' ({arch or 'no architectures'}) is not a reranker family "
        "this app knows."
    )


def family_by_name(name: str, config: dict | None = None) -> ModelFamily:
    """Family chosen explicitly by the user (``--family``).

    On a ``*ForSequenceClassification`` checkpoint a decoder family name chooses that family's prompt format
    for the classifier (a Qwen3 -seq-cls conversion with ``qwen3-reranker``): the score is the head's logit,
    never a vocabulary row the model does not have.
    """
    config = dict(check_config(config or {}, allow_custom_code=True))
    presets = {
        "qwen3-reranker": ("qwen3", "Qwen3ForCausalLM"),
        "bge-gemma": ("gemma2", "Gemma2ForCausalLM"),
        "mxbai-v2": ("qwen2", "Qwen2ForCausalLM"),
    }
    archs = config.get("architectures") or []
    seq_cls = bool(archs) and str(archs[0]).endswith("ForSequenceClassification")
    if seq_cls and (name in presets or name in PROMPT_FORMATS):
        model_type = str(config.get("model_type", "")).lower()
        if model_type in _ENCODERS:
            raise UnsupportedError(f"--family {name} is a decoder family; this checkpoint is a {model_type} "
                                   "encoder. Leave --family out to detect it.")
        return _seq_cls_family(config, model_type, PROMPT_FORMATS[name], "")
    if name in presets:
        config.setdefault("model_type", presets[name][0])
        return _causal_family(name, config, str(config["model_type"]).lower())
    if name in set(_ENCODERS.values()):
        if str(config.get("model_type", "")).lower() not in _ENCODERS:
            config["model_type"] = name
        return _encoder_family(config)
    raise UnsupportedError(f"Unknown family '{name}'. Known: {', '.join(sorted(set(_ENCODERS.values())))}, "
                           f"{', '.join(presets)}.")


def read_config(folder: Path) -> dict:
    """Read ``config.json`` (or ``hf_config.json`` in a CT2 folder) with a clear error."""
    for name in ("hf_config.json", "config.json"):
        path = folder / name
        if path.exists() or path.is_symlink():
            try:
                config = load_file(path, "Model config")
            except BadInputError as exc:  # not JSON, nested too deep, a FIFO, unreadable...
                raise BadConfigError(f"{exc} Re-download the model or fix the file.") from None
            check_config(config, str(path), allow_custom_code=True)
            if name == "config.json" and "model_type" not in config and "architectures" not in config:
                continue  # CT2's own config.json, look further
            return config
    raise ModelLoadError(f"No config.json in {folder}: the model folder is incomplete.")


def _card_folders(folder: Path) -> list[Path]:
    """The artifact's folder and up to two above it: a CT2/ONNX/GGUF subfolder's card sits in the checkpoint."""
    return [folder, folder.parent, folder.parent.parent]


def read_hint(folder: Path) -> str:
    """README headings and folder names near the model (tell mxbai v2 from other Qwen2 models)."""
    parts = []
    for place in _card_folders(folder):
        lines = _readme(place).splitlines()
        parts += [line[2:].strip() for line in lines if line.startswith("# ")][:1]
        parts.append(place.name)
    return " ".join(parts)


def read_card(folder: Path, limit: int = 200_000) -> str:
    """The nearest model card's text (README.md in the artifact's folder or up to two above), else ""."""
    for place in _card_folders(folder):
        if (place / "README.md").is_file():
            return _readme(place, limit)
    return ""


def _readme(place: Path, limit: int = 200_000) -> str:
    """The first ``limit`` bytes of ``place/README.md`` ('' when absent, not a regular file, or unreadable):
    read through the bounded reader, so a FIFO or a device named README.md never blocks detection."""
    from app.core.safe_files import read_bytes

    try:
        return read_bytes(place / "README.md", limit, "Model card", partial=True).decode("utf-8", "replace")
    except BadInputError:
        return ""


def detect_from_gguf(meta: dict[str, str], tensor_shapes: dict[str, tuple[int, ...]],
                     hint: str = "") -> ModelFamily:
    """Detect the family from GGUF key/values and tensor shapes (``hint``: README headings near the file)."""
    arch = meta.get("general.architecture", "")
    ctx = int(meta.get(f"{arch}.context_length", "512") or 512)
    if arch in ("bert", "nomic-bert", "jina-bert-v2", "modern-bert", "neo-bert"):
        types = tensor_shapes.get("token_types.weight")
        type_vocab = int(min(types)) if types else 1
        if meta.get("rerank_playground.token_types_identical") == "true":
            type_vocab = 1  # all token-type rows equal: the model cannot depend on token types
        tokenizer_model = meta.get("tokenizer.ggml.model", "")
        name = "xlm-roberta" if tokenizer_model == "t5" else ("modernbert" if arch == "modern-bert" else "bert")
        has_cls_out = "cls.output.weight" in tensor_shapes or "cls.weight" in tensor_shapes
        if not has_cls_out:
            raise UnsupportedError(
                "This GGUF has no classification head (cls.output): it is an embedding model, not a reranker."
            )
        out = tensor_shapes.get("cls.output.weight", (0, 1))
        num_labels = int(min(out)) if out else 1
        return ModelFamily(
            name=name,
            kind="encoder",
            architecture=arch,
            score_rule="sigmoid" if num_labels == 1 else "softmax",
            max_length=min(ctx, 8192 if name == "modernbert" else 512),
            num_labels=num_labels,
            type_vocab_size=type_vocab,
            has_pooler="cls.weight" in tensor_shapes,
        )
    config = {"max_position_embeddings": ctx}
    if arch == "qwen3":
        return _causal_family("qwen3-reranker", config, arch)
    if arch in ("gemma", "gemma2"):
        return _causal_family("bge-gemma", config, arch)  # llama.cpp applies Gemma2's soft-capping itself
    if arch == "qwen2" and "mxbai" in (meta.get("general.name", "") + " " + hint).lower():
        return _causal_family("mxbai-v2", config, arch)
    raise UnsupportedError(f"GGUF architecture '{arch}' is not a reranker family this app knows.")
