"""Model-family detection from config.json or GGUF metadata, never from a repo name alone.

A family fixes how a pair is laid out, how the raw output becomes a score, and the default length limit.
Raw scores are always logits: for two-label heads ``l1 - l0``, for yes/no decoders ``l_yes - l_no``;
so the normalized score is always ``sigmoid(raw)`` and is never applied twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.core.errors import BadInputError, ModelLoadError, UnsupportedError
from app.core.model_config import BadConfigError, check_config
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
class PromptTemplate:
    """A decoder prompt: ``prefix + body.format(...) + suffix``, tokenized with special tokens parsed."""

    prefix: str
    body: str
    suffix: str
    default_instruction: str | None = None

    def render(self, query: str, document: str, instruction: str | None = None) -> str:
        instr = instruction if instruction is not None else (self.default_instruction or "")
        body = self.body.replace("{instruction}", instr).replace("{query}", query)
        return self.prefix + body.replace("{document}", document) + self.suffix


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
    template: PromptTemplate | None = None
    positive_token: str | None = None  # decoder: token whose logit is the score
    negative_token: str | None = None  # decoder: subtracted token, if any

    @property
    def uses_token_types(self) -> bool:
        return self.type_vocab_size >= 2

    @property
    def instruction_aware(self) -> bool:
        return self.template is not None and "{instruction}" in self.template.body

    def describe_rule(self) -> str:
        return {
            "sigmoid": "sigmoid(logit)",
            "softmax": "softmax(logits)[1] = sigmoid(l1 - l0)",
            "yes_no": 'P(yes) = sigmoid(logit("yes") - logit("no"))',
            "token_logit": f'logit("{self.positive_token}"), sigmoid for the probability',
            "logit_diff": f'logit("{self.positive_token}") - logit("{self.negative_token}"), sigmoid',
            "raw": "raw logit (sigmoid shown for comparison only)",
        }[self.score_rule]


QWEN3_TEMPLATE = PromptTemplate(QWEN3_PREFIX, QWEN3_BODY, QWEN3_SUFFIX, QWEN3_DEFAULT_INSTRUCTION)
GEMMA_TEMPLATE = PromptTemplate("<bos>", "A: {query}\nB: {document}\n{instruction}", "", GEMMA_PROMPT)
MXBAI_TEMPLATE = PromptTemplate(MXBAI_PREFIX, "query: {query}\ndocument: {document}\n{instruction}",
                                MXBAI_SUFFIX, MXBAI_TASK)

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


def _decoder_family(config: dict, arch: str, hint: str = "") -> ModelFamily:
    model_type = str(config.get("model_type", "")).lower()
    max_pos = int(config.get("max_position_embeddings", 8192))
    if arch.endswith("ForSequenceClassification"):
        return ModelFamily("seq-cls-decoder", "decoder", model_type, "raw", min(8192, max_pos),
                           num_labels=_num_labels(config))
    if model_type == "qwen3":
        return ModelFamily("qwen3-reranker", "decoder", model_type, "yes_no", min(8192, max_pos),
                           template=QWEN3_TEMPLATE, positive_token="yes", negative_token="no")
    if model_type in ("gemma", "gemma2"):
        return ModelFamily("bge-gemma", "decoder", model_type, "token_logit", min(8192, max_pos),
                           template=GEMMA_TEMPLATE, positive_token="Yes")
    if model_type == "qwen2" and "mxbai" in hint.lower():
        return ModelFamily("mxbai-v2", "decoder", model_type, "logit_diff", min(8192, max_pos),
                           template=MXBAI_TEMPLATE, positive_token="1", negative_token="0")
    raise UnsupportedError(
        f"{arch} ({model_type}) is a causal language model, not a known reranker family "
        "(Qwen3-Reranker, bge-reranker-v2-gemma, mxbai-rerank v2); pass --family to choose one."
    )


def detect_from_config(config: dict, hint: str = "") -> ModelFamily:
    """Detect the family from a transformers config.json dict.

    ``hint`` (a README title or repo name) only disambiguates architectures shared by several families.
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
        return _decoder_family(config, arch, hint)
    raise UnsupportedError(
        f"Model type '{model_type or 'unknown'}' ({arch or 'no architectures'}) is not a reranker family "
        "this app knows."
    )


def family_by_name(name: str, config: dict | None = None) -> ModelFamily:
    """Family chosen explicitly by the user (``--family``)."""
    config = dict(check_config(config or {}, allow_custom_code=True))
    presets = {
        "qwen3-reranker": ("qwen3", "Qwen3ForCausalLM"),
        "bge-gemma": ("gemma2", "Gemma2ForCausalLM"),
        "mxbai-v2": ("qwen2", "Qwen2ForCausalLM"),
    }
    if name in presets:
        config.setdefault("model_type", presets[name][0])
        return _decoder_family(config, presets[name][1], hint=name.replace("-v2", ""))
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


def read_hint(folder: Path) -> str:
    """First heading of a README next to the model (helps tell mxbai v2 from other Qwen2 models)."""
    readme = folder / "README.md"
    try:
        for line in readme.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("# "):
                return line[2:].strip() + " " + folder.name
    except OSError:
        pass
    return folder.name


def detect_from_gguf(meta: dict[str, str], tensor_shapes: dict[str, tuple[int, ...]]) -> ModelFamily:
    """Detect the family from GGUF key/values and tensor shapes."""
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
    if arch == "qwen3":
        return ModelFamily("qwen3-reranker", "decoder", arch, "yes_no", min(ctx, 8192),
                           template=QWEN3_TEMPLATE, positive_token="yes", negative_token="no")
    if arch in ("gemma", "gemma2"):
        return ModelFamily("bge-gemma", "decoder", arch, "token_logit", min(ctx, 8192),
                           template=GEMMA_TEMPLATE, positive_token="Yes")
    if arch == "qwen2" and "mxbai" in meta.get("general.name", "").lower():
        return ModelFamily("mxbai-v2", "decoder", arch, "logit_diff", min(ctx, 8192),
                           template=MXBAI_TEMPLATE, positive_token="1", negative_token="0")
    raise UnsupportedError(f"GGUF architecture '{arch}' is not a reranker family this app knows.")
