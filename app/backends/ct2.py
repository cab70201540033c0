"""CTranslate2 backend: encoders through ``Encoder`` with the classification head applied in NumPy.

The CT2 converter keeps only the encoder, so the head weights are read from ``classifier_head.npz`` stored
next to ``model.bin`` (HF parameter names) or, for a folder as ``ct2-transformers-converter`` writes it, from the
original checkpoint's model.safetensors (the folder it sits in, or ``BackendConfig.checkpoint``): BERT ``classifier.*`` on CT2's pooler output, RoBERTa/XLM-R
``classifier.dense.*`` + ``classifier.out_proj.*`` on the first token, DistilBERT ``pre_classifier.*`` +
``classifier.*``. Decoder rerankers run through ``Generator.forward_batch`` (last-position logits).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from app.backends.artifacts import config_root, family_for, model_path, tokenizer_root, wrong_format
from app.backends.base import Backend
from app.backends.checkpoint import head_tensors
from app.core.errors import BadInputError, DeviceUnavailableError, ModelLoadError, UnsupportedError
from app.core.families import read_config
from app.core.model_config import BadConfigError
from app.core.pairs import EncodedPair
from app.core.tokenization import HFPairTokenizer, load_tokenizer, read_special_tokens
from app.core.types import BackendConfig

HEAD_FILE = "classifier_head.npz"
CT2_CONFIG_KEYS = {"layer_norm_epsilon", "multi_query_attention", "add_source_bos", "add_source_eos",
                   "decoder_start_token", "unk_token", "bos_token", "eos_token"}
CT2_ENCODERS = {"bert", "distilbert", "xlm-roberta"}
CT2_DECODERS = {"qwen3-reranker", "bge-gemma", "mxbai-v2"}


def find_ct2_folder(target: Path) -> Path:
    if target.is_file() and target.name == "model.bin":
        return target.parent
    if target.is_dir():
        if (target / "model.bin").is_file():
            return target
        found = sorted(p.parent for p in target.rglob("model.bin"))
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            names = ", ".join(str(p.relative_to(target)) for p in found)
            raise BadInputError(f"{target} holds several CT2 models ({names}); pick one with --file.")
    raise wrong_format(target, "ct2")


def is_ct2_config(path: Path) -> bool:
    """CT2's own config.json (written by its converters): no model_type/architectures, CT2's own keys."""
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(config, dict) and "model_type" not in config and "architectures" not in config \
        and bool(config.keys() & CT2_CONFIG_KEYS)


def head_weights(folder: Path, checkpoint: Path) -> dict[str, np.ndarray]:
    """The dropped head: ``classifier_head.npz`` beside model.bin, else the checkpoint's model.safetensors."""
    path = folder / HEAD_FILE
    if not path.is_file():
        try:
            return head_tensors(checkpoint)
        except ModelLoadError as exc:
            raise ModelLoadError(f"CTranslate2 drops the classification head, and there is no {HEAD_FILE} beside "
                                 f"model.bin in {folder} to restore it from: {exc}") from exc
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k].astype(np.float32) for k in data.files}
    except Exception as exc:
        raise ModelLoadError(f"{path} is not a readable NumPy .npz file ({exc}).") from exc


def checkpoint_root(folder: Path, checkpoint: str | None) -> Path:
    """The transformers checkpoint of a CT2 folder: the one named, else the folder itself or up to two above."""
    if checkpoint:
        root = Path(checkpoint).expanduser()
        if not (root / "config.json").is_file() or is_ct2_config(root / "config.json"):
            raise BadInputError(f"Checkpoint {root}: no transformers config.json there. Point the checkpoint "
                                "option at the original model folder (config.json, tokenizer.json, "
                                "model.safetensors) that was converted to CTranslate2.")
        return root
    try:
        return config_root(folder)
    except ModelLoadError as exc:
        if isinstance(exc, BadConfigError) or not is_ct2_config(folder / "config.json"):
            raise
        raise ModelLoadError(
            f"{folder} was made by ct2-transformers-converter: its config.json is CTranslate2's own and it holds "
            "no classification head and no tokenizer. Put it inside the original checkpoint folder (e.g. "
            "MODEL/ct2-int8), or name that folder with --checkpoint DIR (GUI: the column's 'Checkpoint (CT2)' "
            "field).") from exc


class NumpyHead:
    """The classification head the CT2 converter drops, applied to CT2's outputs."""

    def __init__(self, weights: dict[str, np.ndarray], source: Path) -> None:
        self.w = weights
        if "classifier.out_proj.weight" in self.w:
            self.kind = "roberta"
        elif "pre_classifier.weight" in self.w:
            self.kind = "distilbert"
        elif "classifier.weight" in self.w:
            self.kind = "bert"
        else:
            raise ModelLoadError(f"The head for {source} holds no known weights ({', '.join(self.w)}).")
        # BERT on CT2's pooler output needs no hidden states: skipping their copy saves batch x seq x hidden floats
        self.needs_hidden = self.kind != "bert" or "pooler.dense.weight" in self.w

    def _lin(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.w[f"{name}.weight"].T + self.w.get(f"{name}.bias", 0.0)

    def __call__(self, hidden: np.ndarray | None, pooled: np.ndarray | None) -> np.ndarray:
        if hidden is None:
            return self._lin(pooled, "classifier")
        cls = hidden[:, 0, :]
        if self.kind == "roberta":
            return self._lin(np.tanh(self._lin(cls, "classifier.dense")), "classifier.out_proj")
        if self.kind == "distilbert":
            return self._lin(np.maximum(self._lin(cls, "pre_classifier"), 0.0), "classifier")
        if "pooler.dense.weight" in self.w:
            pooled = np.tanh(self._lin(cls, "pooler.dense"))
        if pooled is None:
            raise ModelLoadError("This CT2 model returns no pooler output and the head file has no "
                                 "pooler.dense weights; the BERT head cannot be applied.")
        return self._lin(pooled, "classifier")


def _to_numpy(storage) -> np.ndarray:
    import ctranslate2

    if storage.device != "cpu":
        storage = storage.to_device(ctranslate2.Device.cpu)
    return np.array(storage, dtype=np.float32)


def _stores_final_softcap(path: Path) -> bool:
    """Whether a CT2 model applies a final logit soft-cap itself (its spec variable is in model.bin).

    CTranslate2 4.8's Gemma2 loader does not write it (measured: CT2 scores equal transformers with both Gemma2
    soft-caps switched off, to 3e-6), so the score rule applies the cap; a converter that writes it is respected.
    """
    import mmap

    try:
        with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return data.find(b"final_logit_softcapping") >= 0
    except (OSError, ValueError):
        return False


class CT2Backend(Backend):
    name = "ct2"
    label = "CTranslate2"

    def _load(self, config: BackendConfig) -> None:
        import ctranslate2

        folder = find_ct2_folder(model_path(config.path, config.file))
        root = checkpoint_root(folder, config.checkpoint)
        self.family = family_for(root, config.family, config.prompt_format)
        if self.family.seq_cls:
            raise UnsupportedError(
                f"{folder} is a CTranslate2 conversion of a {self.family.architecture} "
                "*ForSequenceClassification checkpoint: ct2-transformers-converter keeps only the language-model "
                "body and silently drops the score head, so this model returns vocabulary logits, not relevance "
                "scores. Use the ONNX backend for this model.")
        if self.family.name not in CT2_ENCODERS | CT2_DECODERS:
            raise UnsupportedError(f"{self.family.name} is not supported by CTranslate2, because its converter "
                                   "has no loader for this architecture (CT2 runs BERT, DistilBERT, RoBERTa/"
                                   "XLM-R encoders). Use the ONNX backend.")
        device = config.device
        if device == "cuda" and ctranslate2.get_cuda_device_count() == 0:
            raise DeviceUnavailableError("CUDA was chosen but CTranslate2 sees no CUDA device. Install a CUDA "
                                         "driver (CTranslate2's wheels bundle CUDA 12), or choose CPU.")
        supported = ctranslate2.get_supported_compute_types(device)
        compute = config.compute_type or "default"
        if compute != "default" and compute not in supported:
            raise BadInputError(f"Compute type '{compute}' is not supported on {device} here "
                                f"(supported: {', '.join(sorted(supported))}).")
        kwargs = {"device": device, "compute_type": compute, "intra_threads": config.threads or 0}
        is_decoder = self.family.kind == "decoder"
        try:
            self.model = (ctranslate2.Generator if is_decoder else ctranslate2.Encoder)(str(folder), **kwargs)
        except Exception as exc:
            raise ModelLoadError(f"CTranslate2 could not load {folder}: {str(exc).strip()[:300]}. The model "
                                 "files are corrupt, incomplete, or of another CTranslate2 model type.") from exc
        tok_root = tokenizer_root(root if config.checkpoint else folder)
        tok = load_tokenizer(tok_root)
        self.tokenizer = HFPairTokenizer(tok, self.family, read_special_tokens(tok_root, tok, read_config(root)))
        if is_decoder:
            self.yes_id = self.tokenizer.token_id(self.family.positive_token)
            self.no_id = self.tokenizer.token_id(self.family.negative_token) if self.family.negative_token else None
            self.default_batch_size = 4
            self.softcap_applied = bool(self.family.final_softcap) and _stores_final_softcap(folder / "model.bin")
        else:
            self.head = NumpyHead(head_weights(folder, root), folder)
        self.device = f"{device} ({self.model.compute_type})"
        self.artifact = str(folder)
        self.precision = self.model.compute_type
        # measured (AMD Zen 4, starter int8): a pair alone and the same pair in a batch of 16+ differ by up to
        # 0.15 logits, so CPU int8 scores one pair per run unless batching is asked for, like ONNX dynamic int8
        self.batch_dependent = device == "cpu" and "int8" in self.precision
        if self.batch_dependent:
            self.notes = (*self.notes, "CTranslate2 int8 on CPU: a score depends on its batch, so one pair per "
                                       "run unless batching it is asked for (--batch-dynamic-int8)")
        owner = root.parent if folder == root else root
        self.model_name = f"{owner.name}/{folder.name}"

    def _run_batch(self, pairs: list[EncodedPair]) -> np.ndarray:
        ids = [list(p.ids) for p in pairs]
        if self.family.kind == "decoder":
            logits = _to_numpy(self.model.forward_batch(ids))
            last = logits[np.arange(len(pairs)), [len(p) - 1 for p in pairs], :]
            return self.family.decoder_score(last, self.yes_id, self.no_id, softcap_applied=self.softcap_applied)
        types = [list(p.type_ids) if p.type_ids is not None else [0] * len(p) for p in pairs]
        out = self.model.forward_batch(ids, token_type_ids=types)
        pooled = _to_numpy(out.pooler_output) if out.pooler_output is not None else None
        hidden = _to_numpy(out.last_hidden_state) if self.head.needs_hidden or pooled is None else None
        logits = self.head(hidden, pooled)
        from app.core.scores import logits_to_raw

        return logits_to_raw(logits)
