"""Probe the CLI and the document importer with bad input; count tracebacks, bare signals, hangs, silent results.

Usage: ``python tools/probe_bad_input.py [--repo PATH] [--only SUBSTR] [-v]``

Each case runs in its own subprocess with the code of ``--repo`` (default: this checkout) first on
``PYTHONPATH``, a fresh ``RERANK_PLAYGROUND_HOME`` and no network. A case passes when the program answers with
what it expects: ``refuse`` = exit 2 and one ``error:`` line on stderr naming ``needle``; ``warn`` = exit 0 and
``needle`` on stderr; ``ok`` = exit 0 and ``needle`` in stdout. Anything else is classified as ``traceback``,
``signal`` (killed by a signal / native crash), ``hang`` (ran past the time limit) or ``wrong`` (it answered,
but not as expected, e.g. silently). Needs the tiny fixture models in tests/fixtures/models.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
BERT = HERE / "tests" / "fixtures" / "models" / "tiny-bert"
TIMEOUT = 40


@dataclass
class Case:
    name: str
    argv: list[str]  # CLI arguments, or ["-c", code] for a python snippet
    expect: str  # refuse | warn | ok
    needle: str = ""
    setup: object = None  # callable(tmp: Path) -> None, run before the case
    env: dict = field(default_factory=dict)
    timeout: int = TIMEOUT
    forbid: str = ""  # must appear neither on stdout nor on stderr (e.g. a misleading "not found")
    check: object = None  # callable(tmp: Path) -> bool, run after the case: the state it must leave


def _model_with_config(tmp: Path, name: str, config) -> Path:
    folder = tmp / name
    folder.mkdir()
    for f in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(BERT / f, folder / f)
    (folder / "onnx").mkdir()
    (folder / "onnx" / "model.onnx").symlink_to(BERT / "onnx" / "model.onnx")
    text = config if isinstance(config, str) else json.dumps(config)
    (folder / "config.json").write_text(text, encoding="utf-8")
    return folder


def _bert_config(**changes) -> dict:
    config = json.loads((BERT / "config.json").read_text(encoding="utf-8"))
    config.update(changes)
    return {k: v for k, v in config.items() if v is not ...}


def _score(model: str, *extra: str, docs: str | None = None) -> list[str]:
    src = ["--docs", docs] if docs else ["--doc", "a cat", "--doc", "a dog", "--doc", "stocks fell"]
    return ["score", "--model", model, "--backend", "onnx", "--query", "cat", *src, *extra]


def config_cases() -> list[Case]:
    shapes = {
        "number": "5", "null": "null", "list": "[1, 2]",
        "max_pos_abc": _bert_config(max_position_embeddings="abc"),
        "max_pos_4": _bert_config(max_position_embeddings=4),
        "num_labels_null": _bert_config(num_labels=None, id2label=...),
        "architectures_5": _bert_config(architectures=5),
        "type_vocab_x": _bert_config(type_vocab_size="x"),
        "auto_map_unknown": {"model_type": "mystery", "architectures": ["MysteryForSequenceClassification"],
                             "auto_map": {"AutoModelForSequenceClassification": "modeling.Mystery"}},
        "deep_nesting": "[" * 100_000 + "]" * 100_000,
        "huge_integer": '{"model_type": "bert", "num_labels": ' + "9" * 5000 + "}",
    }
    out = []
    for key, config in shapes.items():
        def setup(tmp, key=key, config=config):
            _model_with_config(tmp, f"cfg-{key}", config)
        out.append(Case(f"config.json {key}", _score("{tmp}/cfg-" + key, "--file", "onnx/model.onnx"),
                        "refuse", "config.json", setup))
    return out


def json_cases() -> list[Case]:
    def deep(tmp):
        (tmp / "deep.jsonl").write_text('{"text": "ok"}\n' + "[" * 100_000 + "]" * 100_000 + "\n")
        (tmp / "digits.jsonl").write_text('{"text": "ok"}\n{"text": "x", "n": ' + "7" * 5000 + "}\n")
        (tmp / "deep-eval.jsonl").write_text("[" * 100_000 + "]" * 100_000 + "\n")
    bert = str(BERT)
    return [
        Case("--docs jsonl nested 100k deep", _score(bert, docs="{tmp}/deep.jsonl"), "warn", "line 2", deep),
        Case("--docs jsonl 5000-digit integer", _score(bert, docs="{tmp}/digits.jsonl"), "warn", "line 2", deep),
        Case("eval --dataset nested 100k deep", ["eval", "--model", bert, "--backend", "onnx", "--dataset",
                                                 "{tmp}/deep-eval.jsonl"], "refuse", "line 1", deep),
    ]


def thread_cases() -> list[Case]:
    bert = str(BERT)
    return [
        Case("--threads 100000 onnx", _score(bert, "--threads", "100000"), "refuse", "--threads"),
        Case("--threads 100000 gguf", ["score", "--model", f"{bert}/gguf/model-f16.gguf", "--backend", "gguf",
                                       "--query", "q", "--doc", "d", "--threads", "100000"], "refuse", "--threads"),
        Case("--threads 100000 ct2", ["score", "--model", bert, "--backend", "ct2", "--file", "ct2", "--query", "q",
                                      "--doc", "d", "--threads", "100000"], "refuse", "--threads"),
        Case("--threads -3", _score(bert, "--threads", "-3"), "refuse", "--threads"),
        Case("--top-n -1", _score(bert, "--top-n", "-1"), "refuse", "--top-n"),
        Case("--top-n 0", _score(bert, "--top-n", "0"), "refuse", "--top-n"),
    ]


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def docs_file_cases() -> list[Case]:
    bert = str(BERT)

    def files(tmp):
        (tmp / "secret.txt").write_text("a\nb\n")
        os.chmod(tmp / "secret.txt", 0)
        (tmp / "adir").mkdir()
        _fifo(tmp / "fifo.txt")
        _fifo(tmp / "model.gguf")
        _fifo(tmp / "model.onnx")
    unreadable = "PermissionError" if os.geteuid() != 0 else "skip"
    cases = [
        Case("--docs a directory", _score(bert, docs="{tmp}/adir"), "refuse", "adir", files, forbid="not found"),
        Case("--docs a FIFO", _score(bert, docs="{tmp}/fifo.txt"), "refuse", "fifo.txt", files, timeout=15,
             forbid="not found"),
        Case("--docs /dev/zero", _score(bert, docs="/dev/zero"), "refuse", "zero", files, timeout=15,
             forbid="not found"),
        Case("--model a FIFO", ["score", "--model", "{tmp}/model.gguf", "--backend", "gguf", "--query", "q", "--doc",
                                "d"], "refuse", "model.gguf", files, timeout=15),
        Case("models import a FIFO", ["models", "import", "{tmp}/model.onnx"], "refuse", "model.onnx", files,
             timeout=15),
        Case("models import /proc", ["models", "import", "/proc"], "refuse", "/proc", timeout=30),
    ]
    if unreadable != "skip":
        cases.insert(0, Case("--docs unreadable", _score(bert, docs="{tmp}/secret.txt"), "refuse", "secret.txt",
                             files))
    return cases


IMPORT_SNIPPET = (
    "import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30));"
    "from app.core.importers import load_path;"
    "r = load_path(sys.argv[1]); print(len(r.documents), 'docs');"
    "[print('warning:', w, file=sys.stderr) for w in r.warnings]"
)


def importer_cases() -> list[Case]:
    def folder(kind):
        def setup(tmp):
            d = tmp / f"drop-{kind}"
            d.mkdir()
            (d / "good.txt").write_text("a good document\n")
            bad = d / "bad.txt"
            if kind == "chardev":
                bad.symlink_to("/dev/zero")
            elif kind == "fifo":
                _fifo(bad)
            elif kind == "dangling":
                bad.symlink_to(d / "nowhere.txt")
            elif kind == "loop":
                bad.symlink_to(d / "bad.txt")
        return setup
    cases = []
    for kind in ("chardev", "fifo", "dangling", "loop"):
        cases.append(Case(f"importer folder with a {kind} entry", ["-c", IMPORT_SNIPPET, f"{{tmp}}/drop-{kind}"],
                          "warn", "bad.txt", folder(kind), timeout=20))
    def single(tmp):
        (tmp / "zero.txt").symlink_to("/dev/zero")
    cases.append(Case("importer x.txt -> /dev/zero", ["-c", IMPORT_SNIPPET, "{tmp}/zero.txt"], "refuse-py",
                      "zero.txt", single, timeout=20))
    return cases


def app_file_cases() -> list[Case]:
    def imported(tmp, usage=None, imports=None):
        home = tmp / "home"
        (home / "hub").mkdir(parents=True, exist_ok=True)
        if usage is not None:
            (home / "hub" / "usage.json").write_text(usage)
        if imports is not None:
            (home / "hub" / "imports.json").write_text(imports)

    def usage_list(tmp):
        imported(tmp, usage="[1, 2, 3]")
    def register(tmp):
        imported(tmp)
        env = {**os.environ, **_env(tmp, HERE)}
        subprocess.run([sys.executable, "-m", "app.cli", "models", "import", str(BERT / "gguf" / "model-f16.gguf")],
                       env=env, cwd=HERE, capture_output=True, timeout=60)
        (tmp / "home" / "hub" / "usage.json").write_text("[1, 2, 3]")
    def corrupt(tmp):
        imported(tmp, imports='[{"name": "local/x", "path": "/x", "file": "m.gguf"')
    def symlinked_repo(tmp):
        cache = tmp / "hf" / "hub"
        cache.mkdir(parents=True)
        real = tmp / "elsewhere" / "models--o--n"
        (real / "snapshots" / "abc").mkdir(parents=True)
        (cache / "models--o--n").symlink_to(real)
    def two_folders(tmp):
        for parent in ("one", "two"):
            d = tmp / parent / "model"
            d.mkdir(parents=True)
            shutil.copy(BERT / "gguf" / "model-f16.gguf", d / "model-f16.gguf")
        imported(tmp)

    def same_name(tmp):  # a registry written by a version that named every folder local/<folder name>
        two_folders(tmp)
        entries = [{"name": "local/model", "path": str(tmp / p / "model"), "file": "model-f16.gguf", "format": "gguf",
                    "quant": "F16", "size": 1, "added": 0.0} for p in ("one", "two")]
        (tmp / "home" / "hub" / "imports.json").write_text(json.dumps(entries))

    def first_imported(tmp):
        two_folders(tmp)
        env = {**os.environ, **_env(tmp, HERE)}
        subprocess.run([sys.executable, "-m", "app.cli", "models", "import", str(tmp / "one" / "model")],
                       env=env, cwd=HERE, capture_output=True, timeout=60)
    hf = {"HF_HOME": "{tmp}/hf"}
    return [
        Case("usage.json a list: score", ["score", "--model", "local/gguf", "--backend", "gguf", "--query", "q",
                                           "--doc", "d"], "ok", "pairs/s", register),
        Case("usage.json a list: models list", ["models", "list"], "ok", "HF cache", usage_list),
        Case("imports.json corrupt: import keeps a backup", ["models", "import", str(BERT / "gguf" / "model-f16.gguf")],
             "warn", "imports.json", corrupt, check=_kept_backup),
        Case("models rm symlinked repo", ["models", "rm", "o/n"], "refuse", "link", symlinked_repo, env=hf),
        Case("two imports named local/model", ["score", "--model", "local/model", "--backend", "gguf", "--query", "q",
                                               "--doc", "d"], "refuse", "local/model", same_name),
        Case("import a second folder named model", ["models", "import", "{tmp}/two/model"], "ok", "local/model-2",
             first_imported),
    ]


def _kept_backup(tmp: Path) -> bool:
    backups = [p for p in (tmp / "home" / "hub").glob("imports.json*") if p.name != "imports.json"]
    return any('"local/x"' in p.read_text(encoding="utf-8", errors="replace") for p in backups)


def docs_reader_cases() -> list[Case]:
    bert = str(BERT)
    def files(tmp):
        (tmp / "latin1.txt").write_bytes("caf\xe9 au lait\nna\xefve\n".encode("latin-1"))
        (tmp / "table.csv").write_text("id,text\n1,a cat sat\n2,stocks fell\n")
        (tmp / "quote.csv").write_text('id,text\n1,"a cat sat\n2,stocks fell\n3,dogs bark\n')
        _pdf(tmp / "doc.pdf", ["Cats are small animals.", "The stock market fell."])
    return [
        Case("--docs latin-1 warns", _score(bert, docs="{tmp}/latin1.txt"), "warn", "UTF-8", files),
        Case("--docs CSV header is not a document", _score(bert, "--json", docs="{tmp}/table.csv"), "ok",
             '"index": 1', files, forbid='"index": 2'),
        Case("--docs CSV unterminated quote", _score(bert, docs="{tmp}/quote.csv"), "refuse", "line 2", files),
        Case("--docs PDF pages", _score(bert, docs="{tmp}/doc.pdf"), "ok", "2 docs", files),
    ]


def _pdf(path: Path, pages: list[str]) -> None:
    """A minimal text PDF, one page per string (no extra dependency)."""
    objs = ["<< /Type /Catalog /Pages 2 0 R >>", None, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for text in pages:
        stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
        objs.append(f"<< /Length {len(stream)} >>\nstream\n{stream.decode()}\nendstream")
        objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {len(objs)} 0 R "
                    "/Resources << /Font << /F1 3 0 R >> >> >>")
        kids.append(f"{len(objs)} 0 R")
    objs[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))


def _env(tmp: Path, repo: Path) -> dict:
    return {"PYTHONPATH": str(repo), "RERANK_PLAYGROUND_HOME": str(tmp / "home"), "HF_HOME": str(tmp / "hf-empty"),
            "HF_HUB_OFFLINE": "1", "HF_ENDPOINT": "http://127.0.0.1:9", "QT_QPA_PLATFORM": "offscreen"}


def classify(case: Case, rc: int | None, out: str, err: str, tmp: Path) -> str:
    if rc is None:
        return "hang"
    if case.expect == "refuse-py" and rc == 1 and "BadInputError" in err and case.needle in err:
        return "pass"  # a snippet's BadInputError prints as a traceback: it is the expected, named refusal
    if "Traceback (most recent call last)" in err:
        return "traceback"
    if rc < 0 or rc >= 128:
        return "signal"
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    if case.expect == "refuse":
        good = rc == 2 and len(errors) == 1 and case.needle in errors[0]
    elif case.expect == "warn":
        good = rc == 0 and case.needle in err
    else:
        good = rc == 0 and case.needle in out
    if case.forbid and (case.forbid in out or case.forbid in err):
        good = False
    if good and case.check is not None:
        good = bool(case.check(tmp))
    return "pass" if good else "wrong"


def run_case(case: Case, repo: Path, python: str) -> tuple[str, str]:
    with tempfile.TemporaryDirectory(prefix="probe-") as name:
        tmp = Path(name)
        if case.setup:
            case.setup(tmp)
        env = {**os.environ, **_env(tmp, repo), **{k: v.format(tmp=tmp) for k, v in case.env.items() if v}}
        env = {k: v for k, v in env.items() if case.env.get(k, "-") != ""}  # "" in case.env: unset it
        argv = [a.replace("{tmp}", str(tmp)) for a in case.argv]
        cmd = [python, *argv] if argv[:1] == ["-c"] else [python, "-m", "app.cli", *argv]
        proc = subprocess.Popen(cmd, env=env, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        try:
            out, err = proc.communicate(timeout=case.timeout)
            rc = proc.returncode
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            rc = None
        verdict = classify(case, rc, out, err, tmp)
        for p in tmp.rglob("*"):  # let the temporary folder go (chmod 0 files)
            if not p.is_symlink():
                os.chmod(p, 0o700)
    detail = (err.strip().splitlines() or [out.strip()[:200]])[-1][:200] if rc is not None else "timed out"
    return verdict, f"rc={rc} {detail}"


def window_cases() -> list[Case]:
    """README command 1 where Qt's xcb plugin cannot start (no X server on the display, or missing libraries)."""
    display = next(f":{n}" for n in range(99, 200) if not os.path.exists(f"/tmp/.X11-unix/X{n}"))
    return [Case("window without a usable X display", [], "refuse", "", timeout=30,
                 env={"QT_QPA_PLATFORM": "", "WAYLAND_DISPLAY": "", "DISPLAY": display}),
            Case("window with DISPLAY unset", [], "refuse", "DISPLAY", timeout=30,
                 env={"QT_QPA_PLATFORM": "", "WAYLAND_DISPLAY": "", "DISPLAY": ""})]


def all_cases() -> list[Case]:
    return (config_cases() + json_cases() + thread_cases() + docs_file_cases() + importer_cases() + app_file_cases()
            + docs_reader_cases() + window_cases())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=HERE, help="checkout whose app/ is probed")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--only", default="", help="run only cases whose name contains this")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    counts: dict[str, int] = {}
    for case in all_cases():
        if args.only and args.only not in case.name:
            continue
        verdict, detail = run_case(case, args.repo.resolve(), args.python)
        counts[verdict] = counts.get(verdict, 0) + 1
        if verdict != "pass" or args.verbose:
            print(f"{verdict:<9} {case.name}: {detail}")
    total = sum(counts.values())
    print(f"\n{total} cases: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0 if counts.get("pass", 0) == total else 1


if __name__ == "__main__":
    sys.exit(main())
