"""onnxruntime backend: fp32 / fp16 / int8 ONNX files, CPU or CUDA, feeding exactly the declared inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from app.backends.artifacts import (
    config_root,
    family_for,
    find_file,
    labels_unstated,
    model_path,
    tokenizer_root,
    with_labels,
    wrong_format,
)
from app.backends.base import Backend
from app.backends.batching import pad_batch
from app.backends.onnx_optimize import choose_graph
from app.core.errors import DeviceUnavailableError, ModelLoadError, UnsupportedError
from app.core.families import read_config
from app.core.pairs import EncodedPair
from app.core.scores import logits_to_raw
from app.core.tokenization import HFPairTokenizer, load_tokenizer, read_special_tokens
from app.core.types import BackendConfig

PREFERRED = ("onnx/model.onnx", "model.onnx", "onnx/model_quantized.onnx", "model_quantized.onnx")
_KNOWN_INPUTS = {"input_ids", "attention_mask", "token_type_ids", "position_ids"}


# Operators of onnxruntime's dynamic quantization (quantize_dynamic and its fused forms): activations are
# quantized at run time with ONE scale and zero point per tensor, i.e. per batch.
DYNAMIC_QUANT_OPS = (b"DynamicQuantizeLinear", b"MatMulInteger", b"DynamicQuantizeMatMul", b"ConvInteger",
                     b"DynamicQuantizeLSTM")


def is_dynamically_quantized(path: Path) -> bool:
    """True when the graph quantizes activations at run time (its node op_type strings name such operators).

    Op types are plain strings in the protobuf, so a byte search over the mapped file finds them without the
    onnx package (fast even for large files: no parsing, no copy).
    """
    import mmap

    try:
        with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return any(data.find(op) != -1 for op in DYNAMIC_QUANT_OPS)
    except (OSError, ValueError):
        return False


def precision_of(path: Path) -> str:
    name = path.name.lower()
    if "int8" in name or "quant" in name or "uint8" in name:
        return "int8"
    if "fp16" in name or "o4" in name or "float16" in name:
        return "fp16"
    return "fp32"


class OnnxBackend(Backend):
    name = "onnx"
    label = "ONNX (onnxruntime)"

    def _load(self, config: BackendConfig) -> None:
        import onnxruntime as ort

        target = model_path(config.path, config.file)
        path = find_file(target, ".onnx", PREFERRED) if target.is_dir() else target
        if path.suffix != ".onnx":
            raise wrong_format(path, "onnx")
        root = config_root(path)
        self.family = family_for(root, config.family, config.prompt_format)
        tok_root = tokenizer_root(path)
        tok = load_tokenizer(tok_root)
        specials = read_special_tokens(tok_root, tok, read_config(root))
        self.tokenizer = HFPairTokenizer(tok, self.family, specials)
        self.precision = precision_of(path)
        providers = self._providers(ort, config)  # before the optimizer: a missing CUDA fails fast
        graph = choose_graph(path, self.family, read_config(root), self.precision, config.optimize, config.device)
        self.session = self._session(ort, graph.path, config, providers)
        self.artifact, self.notes = str(graph.path), (graph.note,)
        self.inputs = {i.name: i for i in self.session.get_inputs()}
        unknown = {n for n in self.inputs if n not in _KNOWN_INPUTS}
        if unknown:
            raise ModelLoadError(f"{path.name} declares inputs this app cannot fill: {', '.join(sorted(unknown))} "
                                 "(an export with a KV cache?). Use an export without past_key_values.")
        outputs = [o.name for o in self.session.get_outputs()]
        self.output = "logits" if "logits" in outputs else outputs[0]
        self.family = self._labels_from_output(self.session.get_outputs()[outputs.index(self.output)], root)
        self.batch_dependent = is_dynamically_quantized(graph.path)
        if self.batch_dependent:
            self.notes = (*self.notes, "dynamic int8 graph (one activation scale per batch): one pair per run "
                                       "unless batching it is asked for (--batch-dynamic-int8)")
        self.pad_id = tok.token_to_id("[PAD]") or tok.token_to_id("<pad>") or 0
        if self.family.kind == "decoder":
            self._load_decoder(tok, specials, outputs)
        self.device = ", ".join(self.session.get_providers())
        self.model_name = f"{root.name}/{path.relative_to(root)}" if path.is_relative_to(root) else path.name

    def _labels_from_output(self, output, root: Path):
        """A config without a label count (transformers 5 writes no id2label for 2 labels): the graph's says."""
        shape = getattr(output, "shape", None) or []
        labels = shape[1] if len(shape) == 2 and isinstance(shape[1], int) else None
        if self.family.kind != "encoder" or labels not in (1, 2) or labels == self.family.num_labels:
            return self.family
        if not labels_unstated(read_config(root)):
            return self.family
        return with_labels(self.family, labels)

    def _load_decoder(self, tok, specials: dict[str, int], outputs: list[str]) -> None:
        """Pad id and score token ids from the family's one definition; check the graph's output fits."""
        self.pad_id = specials.get("pad", tok.token_to_id("<|endoftext|>") or self.pad_id)
        fam = self.family
        self.yes_id = self.tokenizer.token_id(fam.positive_token) if fam.positive_token else None
        self.no_id = self.tokenizer.token_id(fam.negative_token) if fam.negative_token else None
        shape = self.session.get_outputs()[outputs.index(self.output)].shape
        last = shape[-1] if shape else None
        if isinstance(last, int) and fam.seq_cls != (last <= 2):
            what = ("a classification head with one logit per label" if fam.seq_cls
                    else "vocabulary logits per position")
            raise UnsupportedError(
                f"{fam.name} expects {what}, but this ONNX graph's '{self.output}' output is shaped {shape}. "
                "The export does not match config.json's architecture; export the checkpoint again, or choose "
                "the family that fits the graph with --family.")
        self.default_batch_size = 4 if not fam.seq_cls else self.default_batch_size  # vocab logits are large

    @staticmethod
    def _providers(ort, config: BackendConfig) -> list[str]:
        if config.device != "cuda":
            return ["CPUExecutionProvider"]
        available = ort.get_available_providers()
        if "CUDAExecutionProvider" not in available:
            raise DeviceUnavailableError(
                "CUDA was chosen but onnxruntime has no CUDAExecutionProvider here (available: "
                f"{', '.join(available)}). Install onnxruntime-gpu and a CUDA driver, or choose CPU."
            )
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]

    def _session(self, ort, path: Path, config: BackendConfig, providers: list[str]):
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if config.threads:
            opts.intra_op_num_threads = config.threads
        opts.inter_op_num_threads = 1
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.add_session_config_entry("session.inter_op.allow_spinning", "0")
        opts.log_severity_level = 3
        # No CPU memory arena: the arena keeps the largest batch's activations for the life of the session (a
        # MiniLM-L6 int8 worker held 549 MB after 96 pairs with it, 164 MB without); see docs/bench.md.
        opts.enable_cpu_mem_arena = False
        try:
            session = ort.InferenceSession(str(path), sess_options=opts, providers=providers)
        except Exception as exc:  # onnxruntime raises its own Fail / InvalidProtobuf / RuntimeException
            raise ModelLoadError(f"onnxruntime could not load {path.name}: {str(exc).strip()[:300]}. "
                                 "The file is corrupt or incomplete: re-download it.") from exc
        if config.device == "cuda" and "CUDAExecutionProvider" not in session.get_providers():
            raise DeviceUnavailableError("onnxruntime fell back to CPU: the CUDA provider failed to start "
                                         "(check the CUDA and cuDNN libraries). Choose CPU or fix the driver.")
        return session

    def _feed(self, pairs: list[EncodedPair]) -> dict[str, np.ndarray]:
        left = self.family.kind == "decoder"
        ids, mask, types = pad_batch(pairs, self.pad_id, left=left)
        arrays = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            arrays["token_type_ids"] = types if types is not None else np.zeros_like(ids)
        if "position_ids" in self.inputs:
            arrays["position_ids"] = np.clip(np.cumsum(mask, axis=1) - 1, 0, None)
        feed = {}
        for name, meta in self.inputs.items():
            arr = arrays[name]
            feed[name] = arr.astype(np.int32) if meta.type == "tensor(int32)" else arr
        return feed

    def _run_batch(self, pairs: list[EncodedPair]) -> np.ndarray:
        (out,) = self.session.run([self.output], self._feed(pairs))
        out = np.asarray(out, dtype=np.float32)
        if self.family.kind == "decoder":
            last = out[:, -1, :] if out.ndim == 3 else out  # left padding: the last position is real
            return self.family.decoder_score(last, self.yes_id, self.no_id)
        return logits_to_raw(out)
