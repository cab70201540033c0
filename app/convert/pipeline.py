"""Convert one checkpoint into every asked-for format, then validate, record provenance and catalogue it.

Each artifact is built in a temporary folder inside the output folder and renamed into place only when its
step succeeded, so a failed or cancelled step leaves no half-written artifact (the temporary folder is removed
on any exit, Ctrl+C included). A failing step is reported and the others go on.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app.convert import ct2_export, gguf_export, onnx_export
from app.convert.formats import CT2_QUANT, Target, plan
from app.convert.source import Source
from app.core.errors import CancelledError
from app.core.families import ModelFamily, read_config

log = logging.getLogger(__name__)
PROVENANCE = "provenance.json"
WEIGHTS_SUFFIXES = (".safetensors", ".safetensors.index.json", ".bin", ".pt", ".pth", ".ckpt", ".h5", ".msgpack")
Log = Callable[[str], None]
Cancelled = Callable[[], bool] | None


@dataclass
class StepResult:
    target: str
    path: str
    seconds: float = 0.0
    tool: str = ""
    notes: list[str] = field(default_factory=list)
    error: str | None = None


def default_out(source: Source) -> Path:
    from app.paths import app_home

    return app_home() / "converted" / source.name


def copy_side_files(source: Path, out: Path) -> list[str]:
    """Config, tokenizer and README beside the artifacts (never the weights: the reference reads the source)."""
    copied = []
    for item in sorted(source.iterdir()):
        if item.is_file() and not item.name.endswith(WEIGHTS_SUFFIXES) and not item.name.startswith("."):
            shutil.copy(item, out / item.name)
            copied.append(item.name)
    return copied


def publish(built: Path, final: Path) -> None:
    """Move a finished artifact into place, replacing an older one."""
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.is_dir():
        shutil.rmtree(final)
    elif final.exists():
        final.unlink()
    os.replace(built, final)


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("torch", "transformers", "onnx", "onnxruntime", "ctranslate2", "llama-cpp-python", "gguf"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            continue
    return out


class Converter:
    """One conversion: ``run()`` builds every target and returns a StepResult per target."""

    def __init__(self, source: Source, family: ModelFamily, out: Path, targets: list[Target], log_line: Log,
                 cancelled: Cancelled = None, step: Callable[[str], None] | None = None) -> None:
        self.source, self.family, self.out, self.targets = source, family, out, targets
        self.config = read_config(source.folder)
        self.log, self.cancelled = log_line, cancelled
        self.step = step or (lambda _name: None)
        self.tmp = Path()

    def check(self) -> None:
        if self.cancelled is not None and self.cancelled():
            raise CancelledError()

    def run(self) -> list[StepResult]:
        self.out.mkdir(parents=True, exist_ok=True)
        copy_side_files(self.source.folder, self.out)
        results: list[StepResult] = []
        with tempfile.TemporaryDirectory(prefix=".convert-", dir=self.out) as tmp:
            self.tmp = Path(tmp)
            for runtime, build in (("onnx", self._onnx), ("ct2", self._ct2), ("gguf", self._gguf)):
                wanted = [t for t in self.targets if t.runtime == runtime]
                if wanted:
                    results += self._guarded(runtime, wanted, build)
        return results

    def _guarded(self, runtime: str, wanted: list[Target], build) -> list[StepResult]:
        """Run one runtime's steps; a failure becomes the error of every target not yet written."""
        results = {t.name: StepResult(t.name, t.path) for t in wanted}
        try:
            build(wanted, results)
        except (KeyboardInterrupt, CancelledError):
            raise
        except Exception as exc:  # noqa: BLE001 - reported per target, the other runtimes go on
            log.debug("%s failed", runtime, exc_info=True)
            for r in results.values():
                if not r.seconds and r.error is None:
                    r.error = f"{type(exc).__name__}: {str(exc).strip()[:600]}"
        return list(results.values())

    def _timed(self, result: StepResult, fn, *args) -> None:
        self.check()
        self.step(result.target)
        started = time.perf_counter()
        try:
            fn(*args)
        except (KeyboardInterrupt, CancelledError):
            raise
        except Exception as exc:  # noqa: BLE001
            result.error = f"{type(exc).__name__}: {str(exc).strip()[:600]}"
            self.log(f"  {result.target}: failed ({result.error.splitlines()[0]})")
            return
        result.seconds = round(time.perf_counter() - started, 2)
        self.log(f"  {result.target}: {result.path} ({result.seconds:.1f} s)")

    # -- ONNX -------------------------------------------------------------------------------------
    def _onnx(self, wanted: list[Target], results: dict[str, StepResult]) -> None:
        from app.backends.reference import load_transformers

        work = self.tmp / "onnx"
        work.mkdir()
        fp32 = work / "model.onnx"
        self.check()
        self.step("onnx:fp32 (torch.onnx.export)")
        started = time.perf_counter()
        model = load_transformers(self.source.folder, self.family)
        names = self._export_onnx(model, fp32)
        del model
        exported = round(time.perf_counter() - started, 2)
        derived = {"fp16": (onnx_export.to_fp16, "onnxruntime float16 converter (fp32 inputs and outputs)"),
                   "int8": (onnx_export.quantize_int8, "onnxruntime quantize_dynamic (QInt8 weights)")}
        for t in wanted:
            if t.precision in derived:
                fn, results[t.name].tool = derived[t.precision]
                built = work / Path(t.path).name
                self._timed(results[t.name], lambda fn=fn, built=built, t=t: (fn(fp32, built),
                                                                              publish(built, self.out / t.path)))
        if "onnx:fp32" in results:
            r = results["onnx:fp32"]
            r.tool, r.seconds = "torch.onnx.export (TorchScript exporter, eager attention)", exported
            r.notes = [f"inputs {', '.join(names)}; opset {onnx_export.OPSET}"]
            publish(fp32, self.out / r.path)
            self.log(f"  onnx:fp32: {r.path} ({exported:.1f} s)")

    def _export_onnx(self, model, path: Path) -> list[str]:
        if self.family.kind == "encoder":
            return onnx_export.export_encoder(model, self.family.uses_token_types, path)
        return onnx_export.export_causal(model, path, "score" if self.family.seq_cls else "lm")

    # -- CTranslate2 ------------------------------------------------------------------------------
    def _ct2(self, wanted: list[Target], results: dict[str, StepResult]) -> None:
        import ctranslate2

        for t in wanted:
            r = results[t.name]
            r.tool = f"ctranslate2 {ctranslate2.__version__} TransformersConverter (quantization={CT2_QUANT[t.precision]})"
            built = self.tmp / f"ct2-{t.precision}"

            def build(t=t, built=built, r=r) -> None:
                r.notes = ct2_export.convert(self.source.folder, built, CT2_QUANT[t.precision], self.family.name,
                                             self.tmp / f"stage-{t.precision}")
                publish(built, self.out / t.path)

            self._timed(r, build)

    # -- GGUF -------------------------------------------------------------------------------------
    def _gguf(self, wanted: list[Target], results: dict[str, StepResult]) -> None:
        from app.convert import llama_tools

        tree = llama_tools.fetch(self.log, self.cancelled)
        raw, f32 = self.tmp / "stock-f32.gguf", self.tmp / "model-f32.gguf"
        self.check()
        self.step("gguf:f32 (convert_hf_to_gguf.py)")
        started = time.perf_counter()
        gguf_export.convert_f32(tree, self.source.folder, raw, self.cancelled)
        notes = self._repair(raw, f32)
        base_seconds = round(time.perf_counter() - started, 2)
        tool = f"llama.cpp convert_hf_to_gguf.py (llama-cpp-python {llama_tools.llama_cpp_version()}, {tree})"
        for t in sorted(wanted, key=lambda t: t.precision == "f32"):  # f32 last: it is the others' input
            r = results[t.name]
            r.notes = list(notes)
            if t.precision == "f32":
                r.tool, r.seconds = tool, base_seconds
                publish(f32, self.out / t.path)
                self.log(f"  gguf:f32: {t.path} ({base_seconds:.1f} s)")
                continue
            r.tool = f"{tool}; then llama_model_quantize ({gguf_export.FTYPES[t.precision]})"
            built = self.tmp / Path(t.path).name
            self._timed(r, lambda built=built, t=t: (gguf_export.quantize(f32, built, t.precision, self.cancelled),
                                                     publish(built, self.out / t.path)))

    def _repair(self, raw: Path, fixed: Path) -> list[str]:
        from app.backends.gguf_meta import read_gguf

        _meta, shapes, _precision = read_gguf(raw)
        rename, extra, keys, notes = gguf_export.repairs(
            self.family.name, self.config,
            lambda names: ct2_export.read_safetensors(self.source.folder, names), shapes)
        if rename or extra or keys:
            gguf_export.rewrite(raw, fixed, rename, extra, keys)
            raw.unlink()
        else:
            os.replace(raw, fixed)
        return notes


def write_provenance(out: Path, source: Source, family: ModelFamily, results: list[StepResult],
                     skipped: list[tuple[Target, str]], options: dict) -> Path:
    data = {
        "source": source.provenance, "family": family.name, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                                      time.gmtime()),
        "versions": versions(), "options": options,
        "artifacts": [r.__dict__ for r in results],
        "skipped": [{"target": t.name, "reason": why} for t, why in skipped],
    }
    from app.convert.report import write_atomic

    write_atomic(out / PROVENANCE, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    return out / PROVENANCE


def read_provenance(folder: Path) -> dict | None:
    try:
        return json.loads((folder / PROVENANCE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


__all__ = ["Converter", "StepResult", "default_out", "plan", "read_provenance", "write_provenance"]
