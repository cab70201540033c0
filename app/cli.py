"""Command line: ``rerank-playground [score|models|bench|eval|serve] ...``; no arguments starts the GUI, and
``rerank-playground SESSION.json`` starts it with that session open."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import textwrap

from app import __version__
from app.commands.isolation import EXIT_CRASH
from app.core.errors import CancelledError, PlaygroundError
from app.runtime.model_worker import WorkerCrashedError

EPILOG = textwrap.fill(
    "exit status: 0 success; 1 --self-test found a disagreement or a failed backend; 2 bad input or another "
    "error (one line on stderr); 3 a runtime crashed or stopped answering in its worker process (one line naming "
    "the runtime, the signal and the model; eval, bench and --self-test keep the other backends' results); "
    "130 interrupted.", 79)

# Each module in app/commands with add_parser(subparsers); imported lazily so the CLI starts fast.
COMMANDS = ("score", "models", "bench", "eval", "serve", "convert")


DESCRIPTION = """Compare rerankers across runtimes.

  rerank-playground                 open the window (the last session, or the sample on first start)
  rerank-playground SESSION.json    open the window with a saved session
  rerank-playground COMMAND ...     work headless (COMMAND --help for its options)"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rerank-playground", description=DESCRIPTION,
                                     usage="%(prog)s [options] [SESSION.json | COMMAND ...]",
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--about", action="store_true", help="print version, installed runtimes and credits")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    parser.add_argument("--self-test", action="store_true", help="score the sample with the starter model on "
                        "every backend and exit 0 when all agree on the top document")
    sub = parser.add_subparsers(dest="command", prog="rerank-playground")  # "rerank-playground bench", not the usage line
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"app.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"app.commands.{name}":
                raise
            continue
        module.add_parser(sub)
    for command in sub.choices.values():  # every command's --help lists the exit statuses too
        command.epilog = f"{command.epilog}\n\n{EPILOG}" if command.epilog else EPILOG
    _plain_descriptions(parser)
    return parser


def _plain_descriptions(parser: argparse.ArgumentParser) -> None:
    """The commands' descriptions are their module docstrings: drop the reST double backticks for --help."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                if child.description:
                    child.description = child.description.replace("``", "")
                _plain_descriptions(child)


def _session_argument(argv: list[str]) -> str | None:
    """``rerank-playground [--debug] SESSION.json``: the session file to open in the window, else None.

    Only a name ending in .json or an existing file counts, so a mistyped command still gets argparse's
    "invalid choice" rather than a window saying the session was not found."""
    rest = [a for a in argv if a != "--debug"]
    if len(rest) != 1 or rest[0].startswith("-") or rest[0] in COMMANDS:
        return None
    candidate = rest[0]
    return candidate if candidate.lower().endswith(".json") or os.path.isfile(candidate) else None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--bench-worker"]:  # internal: bench worker process inside a frozen bundle
        from app.bench.worker import main as bench_worker

        return bench_worker()
    session = _session_argument(argv)
    if session is not None:
        logging.basicConfig(level=logging.DEBUG if "--debug" in argv else logging.WARNING,
                            format="%(levelname)s %(name)s: %(message)s")
        from app.ui.launch import launch

        return launch(session=session)
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
    except WorkerCrashedError as exc:  # a runtime crashed in its worker process: one line, a status of its own
        if args.debug:
            raise
        print(f"error: {exc.summary}", file=sys.stderr)
        return EXIT_CRASH
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
