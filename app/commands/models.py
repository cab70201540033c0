"""``rerank-playground models``: search the Hub, list a repo's artifacts, pull, list/delete/import local models."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict

from app.core.errors import BadInputError, CancelledError


def add_parser(sub) -> None:
    p = sub.add_parser("models", help="find, download and manage reranker models", description=__doc__)
    msub = p.add_subparsers(dest="models_command", required=True,
                            metavar="{search,files,related,pull,list,rm,import}")

    s = msub.add_parser("search", help="search the Hub for rerankers (most downloaded first)")
    s.add_argument("text", nargs="?", default="", help="words in the repo name (default: all rerankers)")
    s.add_argument("--limit", type=int, default=20)
    s.add_argument("--all", action="store_true", help="include models that do not look like rerankers")
    s.add_argument("--json", action="store_true")
    s.set_defaults(run=run_search)

    f = msub.add_parser("files", help="list a repo's artifacts by format, with sizes and backends")
    f.add_argument("repo", help="owner/name")
    f.add_argument("--revision", default="main")
    f.add_argument("--json", action="store_true")
    f.set_defaults(run=run_files)

    from app.commands import models_related

    models_related.add_parser(msub)

    pl = msub.add_parser("pull", help="download one artifact (weights + config + tokenizer) into the HF cache")
    pl.add_argument("repo", help="owner/name, or owner/name:FILE")
    pl.add_argument("--file", help="artifact file or folder, e.g. onnx/model_qint8_avx512.onnx")
    pl.add_argument("--format", choices=["gguf", "onnx", "ct2", "safetensors"])
    pl.add_argument("--quant", help="quantization, e.g. Q8_0, Q4_K_M, F16, fp32, int8, O3")
    pl.add_argument("--revision", default="main")
    pl.set_defaults(run=run_pull)

    ls = msub.add_parser("list", help="models on disk (HF cache and imports) with sizes and last use")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(run=run_list)

    rm = msub.add_parser("rm", help="delete a downloaded repo or one artifact (imports are only forgotten)")
    rm.add_argument("repo", help="owner/name (or local/NAME for an import)")
    rm.add_argument("--file", help="only this artifact (file or CT2 folder)")
    rm.set_defaults(run=run_rm)

    im = msub.add_parser("import", help="register a local GGUF/ONNX/CT2 file or folder (no copy)")
    im.add_argument("path")
    im.set_defaults(run=run_import)


def _size(n: int) -> str:
    from app.hub.space import human

    return human(n)


def _when(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts)) if ts else "never"


def run_search(args: argparse.Namespace) -> int:
    from app.hub import search

    result = search(args.text, limit=args.limit, include_all=args.all)
    if args.json:
        json.dump({"offline": result.offline, "message": result.message,
                   "hits": [asdict(h) for h in result.hits]}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    if result.offline:
        print(result.message, file=sys.stderr)
        return 3
    if args.json:
        return 0
    if not result.hits:
        print(result.message)
        return 0
    print(f"{'repo':<52} {'downloads':>10} {'likes':>6}  {'pipeline':<20} formats / notes")
    for h in result.hits:
        notes = [", ".join(h.formats)] + (["gated"] if h.gated else []) + (["custom code"] if h.custom_code else [])
        print(f"{h.repo_id:<52} {h.downloads:>10} {h.likes:>6}  {h.pipeline_tag or '-':<20} "
              f"{' · '.join(n for n in notes if n)}")
    return 0


def run_files(args: argparse.Namespace) -> int:
    from app.hub import remote_listing

    listing = remote_listing(args.repo, args.revision)
    if args.json:
        json.dump({"repo": listing.repo_id, "commit": listing.commit, "gated": listing.gated,
                   "custom_code": listing.custom_code, "notes": list(listing.notes),
                   "artifacts": [{**asdict(a), "files": list(a.files)} for a in listing.artifacts]},
                  sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    flags = " · gated (needs HF_TOKEN)" if listing.gated else ""
    print(f"{listing.repo_id} @ {listing.commit[:12]}{flags}")
    for note in listing.notes:
        print(f"  ⚠ {note}")
    if not listing.artifacts:
        print("  no GGUF, ONNX, CT2 or safetensors artifact in this repo")
    for fmt in ("gguf", "onnx", "ct2", "safetensors"):
        arts = [a for a in listing.artifacts if a.format == fmt]
        if arts:
            print(f"\n{fmt.upper()}")
        for a in arts:
            runs = ", ".join(a.backends) or "none"
            print(f"  {a.name or '(repo root)':<48} {a.quant:<20} {_size(a.size):>10}  backend: {runs}")
            for note in a.notes:
                print(f"      note: {note}")
    return 0


def _progress_bar():
    from tqdm import tqdm

    bar = tqdm(unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr, disable=None, leave=False,
               dynamic_ncols=True)

    def update(p) -> None:
        if bar.total != p.total_bytes:
            bar.total = p.total_bytes
        bar.set_description(f"{p.file_index}/{p.file_count} {p.file.rsplit('/', 1)[-1][:32]}", refresh=False)
        if p.state in ("retrying", "verifying"):
            bar.set_postfix_str(p.state if p.state == "verifying" else p.message[:60], refresh=False)
        bar.update(p.done_bytes - bar.n)

    update.close = bar.close  # type: ignore[attr-defined]
    return update


INTERRUPTED = "Download interrupted; the partial file is kept: run the same command again to resume it."


def pull_with_bar(listing, artifact):
    """Pull with a tqdm bar on stderr; Ctrl-C stops cleanly and keeps the partial file for the next run."""
    from app.hub import pull

    bar = _progress_bar()
    try:
        return pull(listing, artifact, progress=bar)
    except (KeyboardInterrupt, CancelledError):
        print(INTERRUPTED, file=sys.stderr)
        raise CancelledError(INTERRUPTED) from None
    finally:
        bar.close()


def run_pull(args: argparse.Namespace) -> int:
    from app.hub import HubOfflineError, choose, local_listing, parse_spec, remote_listing

    repo_id, spec_file = parse_spec(args.repo)
    try:
        listing = remote_listing(repo_id, args.revision)
    except HubOfflineError:  # offline: fine when the artifact is already complete on disk
        listing = local_listing(repo_id, args.revision)
        if listing is None:
            raise
    try:
        artifact = choose(listing.artifacts, file=spec_file or args.file, fmt=args.format, quant=args.quant,
                          repo_id=repo_id)
    except BadInputError as exc:
        if not listing.local:
            raise
        raise HubOfflineError(f"The Hub is offline and that artifact is not in the cache ({exc})") from None
    result = pull_with_bar(listing, artifact)
    print(f"{artifact.label}: {len(artifact.files)} files, {_size(artifact.size)} "
          f"({_size(result.downloaded_bytes)} downloaded, {_size(result.reused_bytes)} already on disk)")
    print(f"  in {result.snapshot}")
    for note in artifact.notes:
        print(f"  note: {note}")
    if artifact.backends:
        target = f"{repo_id}:{artifact.name}" if artifact.name else repo_id
        print(f"  score with: rerank-playground score --model {target} --backend {artifact.backends[0]} ...")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from app.hub import catalogue

    cat = catalogue()
    if args.json:
        json.dump({"cache_dir": str(cat.cache_dir), "cache_bytes": cat.cache_bytes,
                   "partial_bytes": cat.partial_bytes, "models": [
                       {"repo": m.repo_id, "revision": m.revision, "commit": m.commit, "artifact": m.artifact.name,
                        "format": m.format, "quant": m.quant, "size": m.size, "last_used": m.last_used,
                        "source": m.source, "path": str(m.path), "missing": m.missing} for m in cat.models]},
                  sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    if not cat.models:
        print(f"No models on disk yet (cache: {cat.cache_dir}). Find one with 'rerank-playground models search'.")
    else:
        print(f"{'repo':<40} {'rev':<8} {'artifact':<36} {'format':<11} {'quant':<18} {'size':>9}  last used")
    for m in cat.models:
        name = (m.artifact.name or "(repo root)") + (" [missing]" if m.missing else "")
        print(f"{m.repo_id:<40} {m.revision[:8]:<8} {name:<36} {m.format:<11} {m.quant:<18} {_size(m.size):>9}  "
              f"{_when(m.last_used)}")
    if cat.other_repos:
        print(f"\nOther repos in the cache (no model artifact): {', '.join(cat.other_repos)}")
    partial = f", {_size(cat.partial_bytes)} in partial downloads" if cat.partial_bytes else ""
    print(f"\nHF cache {cat.cache_dir}: {_size(cat.cache_bytes)} on disk{partial}; "
          f"imported (not copied): {_size(cat.imported_bytes)}")
    return 0


def run_rm(args: argparse.Namespace) -> int:
    from app.hub import delete, parse_spec

    repo_id, spec_file = parse_spec(args.repo)
    freed = delete(repo_id, spec_file or args.file)
    what = f"{repo_id}:{spec_file or args.file}" if (spec_file or args.file) else repo_id
    if repo_id.startswith("local/") and freed == 0:
        print(f"Forgot {what} (imported files are left where they are).")
    else:
        print(f"Removed {what}: {_size(freed)} freed.")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from app.hub import import_path

    for item in import_path(args.path):
        print(f"Imported {item.name}: {item.file or '(folder)'} [{item.format} {item.quant}] "
              f"{_size(item.size)} — files stay in {item.path}")
        print(f"  score with: rerank-playground score --model {item.name}"
              f"{':' + item.file if item.file else ''} --backend {item.format}")
    return 0
