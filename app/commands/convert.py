"""``rerank-playground convert SRC``: export a transformers reranker to ONNX, CTranslate2 and GGUF with the stock
tools, repair what they get wrong, validate every artifact against the transformers reference and add them to
the local catalogue. ``--validate-only DIR`` re-validates artifacts written before. Needs the `convert` extra.

Formats (--to, comma-separated): onnx:fp32 onnx:fp16 onnx:int8 ct2:fp32 ct2:int8 ct2:int8_float16 gguf:f32
gguf:f16 gguf:q8_0 gguf:q4_k (or onnx, ct2, gguf for all of one runtime). Default: every format that runs the
model's family faithfully; the others are listed with the reason.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app.core.errors import BackendUnavailableError, BadInputError


def add_parser(sub) -> None:
    p = sub.add_parser("convert", help="convert a transformers reranker to ONNX / CT2 / GGUF and validate it",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("src", nargs="?", help="a local transformers folder (config.json, tokenizer.json, "
                   "model.safetensors) or a Hub repo id (owner/name)")
    p.add_argument("--to", help="formats to write, comma-separated (default: every faithful one)")
    p.add_argument("--out", type=Path, help="output folder (default: <app data>/converted/<model>)")
    p.add_argument("--family", help="override the detected model family (e.g. mxbai-v2)")
    p.add_argument("--validate-only", type=Path, metavar="DIR", help="validate the artifacts in DIR (written "
                   "by convert) against the reference, convert nothing")
    p.add_argument("--no-validate", action="store_true", help="skip the validation report")
    p.add_argument("--heldout-queries", type=int, default=8, help="held-out queries for NDCG@10 (default 8; "
                   "0: none; -1: all 300)")
    p.add_argument("--threads", type=int, default=0, help="runtime threads while validating (default: auto)")
    p.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    p.add_argument("--progress-json", action="store_true", help="progress as one JSON line per update on stderr "
                   '({"phase": "download|convert|validate", "done": N, "total": M, "step": NAME}; for the GUI)')
    p.set_defaults(run=run)


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _json_progress(phase: str):
    """A ``(done, total)`` callback printing one JSON line per call on stderr (``--progress-json``)."""
    def update(done: int, total: int, step: str = "") -> None:
        print(json.dumps({"phase": phase, "done": done, "total": total, "step": step}), file=sys.stderr,
              flush=True)

    update.close = lambda: None  # type: ignore[attr-defined]
    return update


def _bar(args: argparse.Namespace, phase: str, unit: str):
    from app.commands.common import progress_bar

    return _json_progress(phase) if getattr(args, "progress_json", False) else progress_bar(phase, unit=unit)


def _require_extra() -> None:
    from app.backends.registry import convert_hint, unavailable_reason

    reason = unavailable_reason("torch")
    if reason:
        raise BackendUnavailableError(f"convert needs torch and transformers: {reason}")
    try:
        import onnx  # noqa: F401
    except ImportError as exc:
        raise BackendUnavailableError(f"convert needs the onnx package ({exc}). {convert_hint()}") from exc


def run(args: argparse.Namespace) -> int:
    _require_extra()
    if args.heldout_queries < -1:
        raise BadInputError("--heldout-queries must be -1 (all), 0 (none) or a number of queries.")
    if args.validate_only is not None:
        if args.src or args.to:
            raise BadInputError("--validate-only DIR converts nothing: leave out SRC and --to.")
        return _validate_only(args)
    if not args.src:
        raise BadInputError("Name what to convert: a transformers folder or a Hub repo id (owner/name).")
    return _convert(args)


def _convert(args: argparse.Namespace) -> int:
    from app.backends.artifacts import family_for
    from app.commands.models import _progress_bar
    from app.convert.formats import parse_targets, plan
    from app.convert.pipeline import Converter, default_out, write_provenance
    from app.convert.source import resolve_source
    from app.core.families import read_config

    wanted = parse_targets(args.to)
    download = _download_progress() if args.progress_json else _progress_bar()
    try:
        source = resolve_source(args.src, progress=download)
    finally:
        download.close()
    family = family_for(source.folder, args.family)
    targets, skipped = plan(family, read_config(source.folder), wanted)
    out = (args.out or default_out(source)).expanduser().absolute()
    _say(f"converting {source.folder} ({family.name}) into {out}")
    for target, why in skipped:
        _say(f"  {target.name}: skipped: {why}")
    bar, count = _bar(args, "convert", "step"), [0]
    names = {t.name for t in targets}
    total = len(targets) + sum(1 for runtime, base in (("onnx", "onnx:fp32"), ("gguf", "gguf:f32"))
                               if base not in names and any(t.runtime == runtime for t in targets))

    def step(name: str) -> None:  # the fp32 export / f32 conversion is a step even when not kept
        bar(count[0], total, name) if args.progress_json else bar(count[0], total)
        count[0] += 1

    try:
        results = Converter(source, family, out, targets, _say, step=step).run()
        bar(total, total)
    finally:
        bar.close()
    options = {"to": [t.name for t in targets], "family_override": args.family}
    write_provenance(out, source, family, results, skipped, options)
    written = [t for t in targets if not next(r for r in results if r.target == t.name).error]
    catalogued = _catalogue(out) if written else []
    report = None if args.no_validate or not written else _validate(args, out, source.folder, written)
    if args.json:
        json.dump({"out": str(out), "family": family.name, "artifacts": [r.__dict__ for r in results],
                   "skipped": [{"target": t.name, "reason": w} for t, w in skipped], "catalogue": catalogued,
                   "validation": report.as_dict() if report else None}, sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    failed = [r for r in results if r.error]
    for r in failed:
        _say(f"error: {r.target} was not written: {r.error}")
    return 1 if failed else 0


def _download_progress():
    update = _json_progress("download")

    def progress(p) -> None:
        update(p.done_bytes, p.total_bytes, p.file)

    progress.close = lambda: None  # type: ignore[attr-defined]
    return progress


def _catalogue(out: Path) -> list[str]:
    from app.hub import import_path

    items = import_path(out)
    if items:
        _say(f"catalogued as {items[0].name} ({len(items)} artifacts): rerank-playground models list")
    return [f"{i.name}:{i.file}" for i in items]


def _validate(args: argparse.Namespace, folder: Path, reference: Path, targets):
    from app.convert import report as fmt
    from app.convert.validate import validate

    bar = _bar(args, "validate", "query")
    try:
        result = validate(folder, reference, targets, args.family, None if args.heldout_queries == -1
                          else args.heldout_queries, args.threads, progress=bar)
    finally:
        bar.close()
    json_path, md_path = fmt.write(result, folder, folder.name)
    print(fmt.table(result), file=sys.stderr if args.json else sys.stdout, flush=True)
    _say(f"report: {md_path} and {json_path.name}")
    return result


def _validate_only(args: argparse.Namespace) -> int:
    from app.convert.formats import TARGETS
    from app.convert.pipeline import read_provenance

    folder = args.validate_only.expanduser().absolute()
    if not folder.is_dir():
        raise BadInputError(f"--validate-only {folder}: not a folder.")
    targets = [t for t in TARGETS.values() if (folder / t.path).exists()]
    if not targets:
        raise BadInputError(f"{folder} holds none of the artifacts convert writes (onnx/model.onnx, ct2-int8/, "
                            "gguf/model-q8_0.gguf, ...).")
    reference = _reference_of(folder, read_provenance(folder))
    report = _validate(args, folder, reference, targets)
    if args.json:
        json.dump({"out": str(folder), "validation": report.as_dict()}, sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    return 0


def _reference_of(folder: Path, provenance: dict | None) -> Path:
    """The checkpoint the artifacts came from (provenance.json), or the folder itself when it has weights."""
    if (folder / "model.safetensors").is_file():
        return folder
    src = (provenance or {}).get("source") or {}
    if src.get("kind") == "local" and Path(src.get("path", "")).is_dir():
        return Path(src["path"])
    if src.get("kind") == "hub":
        from app.hub.listing import snapshot_path

        snap = snapshot_path(src["repo"], src["revision"])
        if snap.is_dir():
            return snap
        raise BadInputError(f"The reference checkpoint {src['repo']}@{src['revision'][:12]} is no longer in the "
                            f"cache: rerank-playground models pull {src['repo']} --format safetensors")
    raise BadInputError(f"No reference for {folder}: it has no model.safetensors and no provenance.json naming "
                        "the checkpoint it was converted from.")
