"""Command line: ``rerank-playground [score|models|bench|eval|serve] ...``; no arguments starts the GUI."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from app import __version__
from app.core.errors import CancelledError, PlaygroundError

# Each module in app/commands with add_parser(subparsers); imported lazily so the CLI starts fast.
COMMANDS = ("score", "models", "bench", "eval", "serve")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rerank-playground", description="Compare rerankers across runtimes.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--about", action="store_true", help="print version, installed runtimes and credits")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    parser.add_argument("--self-test", action="store_true", help="score the sample with the starter model on "
                        "every backend and exit 0 when all agree on the top document")
    sub = parser.add_subparsers(dest="command")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"app.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"app.commands.{name}":
                raise
            continue
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--bench-worker"]:  # internal: bench worker process inside a frozen bundle
        from app.bench.worker import main as bench_worker

        return bench_worker()
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.about:
        from app.core.about import about_text

        print(about_text())
        return 0
    if args.self_test:
        from app.commands import selftest

        return selftest.run(args)
    if args.command is None:
        from app.ui.launch import launch

        return launch()
    try:
        from app.commands.common import check_common_args

        check_common_args(args)
        return int(args.run(args) or 0)
    except CancelledError:
        print("cancelled", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except PlaygroundError as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
