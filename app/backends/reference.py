"""The reference backend: the model's own transformers implementation in fp32 (CPU, or CUDA when chosen).

Loaded from safetensors only (``use_safetensors=True``; a folder with only pickle weights is refused) and never
with ``trust_remote_code``. Pairs come from the same family definition and pair tokenizer as the ONNX and CT2
backends (``HFPairTokenizer``), so the only thing that differs from them is the runtime: this column is the truth
the others are compared with. Encoders return their classification logits; yes/no decoder rerankers are scored
from the last position's vocabulary logits (only that row is computed); sequence-classification decoders from the
score head on the last position.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from app.backends.artifacts import config_root, family_for, model_path, tokenizer_root
from app.backends.base import Backend
from app.backends.batching import pad_batch
from app.core.errors import BadInputError, DeviceUnavailableError, ModelLoadError
from app.core.families import read_config
from app.core.pairs import EncodedPair
from app.core.scores import logits_to_raw
from app.core.tokenization import HFPairTokenizer, load_tokenizer, read_special_tokens
from app.core.types import BackendConfig

SAFETENSORS = ("model.safetensors", "model.safetensors.index.json")
PICKLES = ("pytorch_model.bin", "pytorch_model.bin.index.json", "tf_model.h5", "flax_model.msgpack")


def weights_folder(target: Path) -> Path:
    """The transformers folder holding safetensors weights for ``target`` (the folder or its weights file)."""
    folder = target.parent if target.is_file() else target
    if target.is_file() and target.suffix != ".safetensors" and target.name not in SAFETENSORS:
        raise BadInputError(f"{target} is not a safetensors file: the reference backend loads a transformers "
                            "folder with model.safetensors (choose the folder).")
    if any((folder / name).is_file() for name in SAFETENSORS):
        return folder
    pickles = [name for name in PICKLES if (folder / name).is_file()]
    if pickles:
        raise ModelLoadError(f"{folder} holds only {pickles[0]} (a pickle, which can run code when loaded); the "
                             "reference backend loads safetensors only. Use a revision with model.safetensors.")
    raise ModelLoadError(f"No model.safetensors in {folder}: the reference backend needs the transformers "
                         "checkpoint (config.json, tokenizer.json and safetensors weights).")


def _torch_device(torch, device: str):
    if device != "cuda":
        return torch.device("cpu"), "cpu"
    if not torch.cuda.is_available():
        raise DeviceUnavailableError("CUDA was chosen but torch sees no CUDA device (this torch build: "
                                     f"{torch.__version__}). Install a CUDA build of torch, or choose CPU.")
    return torch.device("cuda"), f"cuda ({torch.cuda.get_device_name(0)})"


class TorchBackend(Backend):
    name = "torch"
    label = "Reference (transformers)"
    default_batch_size = 16

    def _load(self, config: BackendConfig) -> None:
        import torch

        folder = weights_folder(model_path(config.path, config.file))
        root = config_root(folder)
        self.family = family_for(root, config.family, config.prompt_format)
        tok_root = tokenizer_root(folder)
        tok = load_tokenizer(tok_root)
        specials = read_special_tokens(tok_root, tok, read_config(root))
        self.tokenizer = HFPairTokenizer(tok, self.family, specials)
        self.torch = torch
        self.dev, self.device = _torch_device(torch, config.device)
        if config.threads:
            torch.set_num_threads(config.threads)
        self.model = self._from_pretrained(folder)
        self.pad_id = specials.get("pad", tok.token_to_id("[PAD]") or tok.token_to_id("<pad>") or 0)
        self.decoder = self.family.kind == "decoder"
        self.seq_cls = self.decoder and self.family.seq_cls
        if self.seq_cls:
            if self.model.config.pad_token_id is None:
                # transformers pools a seq-cls decoder at its last non-pad token and refuses batches without a
                # pad id; with none, no real token is padding: the pool is the last position (left padding).
                self.model.config.pad_token_id = -1
            else:
                self.pad_id = int(self.model.config.pad_token_id)
        if self.decoder and not self.seq_cls:
            fam = self.family
            self.pos_id = self.tokenizer.token_id(fam.positive_token) if fam.positive_token else None
            self.neg_id = self.tokenizer.token_id(fam.negative_token) if fam.negative_token else None
            self.default_batch_size = 4
        self.precision = "fp32"
        self.artifact = str(folder)
        self.notes = (f"transformers {_version('transformers')}, torch {torch.__version__}, eager attention, fp32",)
        self.model_name = f"{root.name} (transformers)"

    def _from_pretrained(self, folder: Path):
        return load_transformers(folder, self.family).to(self.dev)

    def _inputs(self, pairs: list[EncodedPair]) -> dict:
        ids, mask, types = pad_batch(pairs, self.pad_id, left=self.decoder)
        t = self.torch
        inputs = {"input_ids": t.from_numpy(ids).to(self.dev), "attention_mask": t.from_numpy(mask).to(self.dev)}
        if self.decoder:
            positions = np.clip(np.cumsum(mask, axis=1) - 1, 0, None)
            inputs["position_ids"] = t.from_numpy(positions).to(self.dev)
        elif types is not None and self.family.uses_token_types:
            inputs["token_type_ids"] = t.from_numpy(types).to(self.dev)
        return inputs

    def _run_batch(self, pairs: list[EncodedPair]) -> np.ndarray:
        inputs = self._inputs(pairs)
        with self.torch.inference_mode():
            if not self.decoder:
                return logits_to_raw(self.model(**inputs).logits.float().cpu().numpy())
            if self.seq_cls:  # the model's own pooling: its last non-padding position
                return logits_to_raw(self.model(**inputs, use_cache=False).logits.float().cpu().numpy())
            # left padding: the last position is every pair's last real token; only its logits are computed
            out = self.model(**inputs, use_cache=False, logits_to_keep=1).logits[:, -1, :]
            last = out.float().cpu().numpy()
        return self.family.decoder_score(last, self.pos_id, self.neg_id)  # transformers soft-caps (Gemma2) itself


def load_transformers(folder: Path, family):
    """The checkpoint's own transformers model, fp32, eager attention, safetensors only, no remote code."""
    import torch
    import transformers

    transformers.utils.logging.disable_progress_bar()  # the app shows its own progress, on stderr only
    auto = transformers.AutoModelForSequenceClassification
    if family.kind == "decoder" and not family.seq_cls:
        auto = transformers.AutoModelForCausalLM
    try:
        model = auto.from_pretrained(str(folder), use_safetensors=True, trust_remote_code=False,
                                     dtype=torch.float32, attn_implementation="eager")
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise ModelLoadError(f"transformers could not load {folder}: {str(exc).strip()[:300]}. The checkpoint "
                             "is incomplete, or needs a newer transformers (pip install -U transformers).") from exc
    return model.eval()


def _version(module: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(module)
    except PackageNotFoundError:
        return "unknown"
