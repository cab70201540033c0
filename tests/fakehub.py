"""A local look-alike of the Hugging Face Hub for tests (standard library only).

Serves what huggingface_hub asks for: ``/api/models`` (search, ``filter=`` tags such as ``base_model:X``), ``/api/models/{repo}[/revision/{rev}]`` (info),
``/api/models/{repo}/tree/{rev}?recursive=true`` (listing with LFS sha256), and ``/{repo}/resolve/{rev}/{path}``
(HEAD and GET, with Range, ETag / X-Linked-Etag / X-Linked-Size / X-Repo-Commit headers). Faults can be injected
per file: drop the connection once after N bytes, stall once, or flip a byte in every response. Every request is
logged so tests can check what was (not) transferred.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

LFS_SUFFIXES = (".onnx", ".gguf", ".bin", ".npz", ".safetensors", ".onnx_data")


def git_oid(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class FakeRepo:
    repo_id: str
    files: dict[str, bytes]
    downloads: int = 0
    likes: int = 0
    pipeline_tag: str | None = "text-classification"
    tags: tuple[str, ...] = ()
    gated: bool = False
    listed_only: tuple[str, ...] = ()  # names that appear in the tree but cannot be fetched (e.g. '../evil')
    commit: str = ""

    def __post_init__(self) -> None:
        if not self.commit:
            digest = hashlib.sha1(self.repo_id.encode())
            for name in sorted(self.files):
                digest.update(name.encode() + hashlib.sha256(self.files[name]).digest())
            self.commit = digest.hexdigest()

    def is_lfs(self, path: str) -> bool:
        return path.endswith(LFS_SUFFIXES) or len(self.files[path]) > 4096

    def etag(self, path: str) -> str:
        data = self.files[path]
        return hashlib.sha256(data).hexdigest() if self.is_lfs(path) else git_oid(data)

    def tree(self) -> list[dict]:
        entries, folders = [], set()
        for path in sorted([*self.files, *self.listed_only]):
            data = self.files.get(path, b"x")
            parts = path.split("/")
            folders.update("/".join(parts[:i]) for i in range(1, len(parts)))
            entry = {"type": "file", "path": path, "size": len(data), "oid": git_oid(data)}
            if path in self.files and self.is_lfs(path):
                entry["lfs"] = {"oid": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 134}
            entries.append(entry)
        dirs = [{"type": "directory", "path": d, "oid": "0" * 40, "size": 0} for d in sorted(folders)]
        return dirs + entries

    def info(self) -> dict:
        return {"id": self.repo_id, "modelId": self.repo_id, "_id": self.commit[:24], "sha": self.commit,
                "downloads": self.downloads, "likes": self.likes, "pipeline_tag": self.pipeline_tag,
                "tags": list(self.tags), "gated": "auto" if self.gated else False, "private": False,
                "lastModified": "2025-01-01T00:00:00.000Z", "library_name": "transformers",
                "siblings": [{"rfilename": p} for p in sorted(self.files)]}


@dataclass
class Logged:
    method: str
    path: str
    range: str | None
    status: int
    body_bytes: int = 0


@dataclass
class Faults:
    drop_once: dict[str, int] = field(default_factory=dict)  # file -> close the connection after N body bytes
    stall_once: dict[str, tuple[int, float]] = field(default_factory=dict)  # file -> (after N bytes, seconds)
    corrupt: dict[str, int] = field(default_factory=dict)  # file -> offset of a flipped byte (every response)
    chunk: int = 4096  # body write size, so drops and cancels land mid-file


class FakeHub:
    def __init__(self) -> None:
        self.repos: dict[str, FakeRepo] = {}
        self.faults = Faults()
        self.token = "hf_fake_token"
        self.log: list[Logged] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.throttle_s = 0.0  # sleep between body chunks (to test cancel and progress)

    def add_repo(self, repo_id: str, files: dict[str, bytes], **meta) -> FakeRepo:
        repo = FakeRepo(repo_id, dict(files), **meta)
        self.repos[repo_id] = repo
        return repo

    def add_folder(self, repo_id: str, folder: Path, **meta) -> FakeRepo:
        files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
        return self.add_repo(repo_id, files, **meta)

    @property
    def endpoint(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeHub:
        handler = type("Handler", (_Handler,), {"hub": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def record(self, entry: Logged) -> None:
        with self._lock:
            self.log.append(entry)

    def gets(self, path: str) -> list[Logged]:
        return [e for e in self.log if e.method == "GET" and e.path.endswith("/" + path) and "/resolve/" in e.path]

    def body_bytes(self, path: str) -> int:
        return sum(e.body_bytes for e in self.gets(path))

    def downloads_started(self) -> int:
        return sum(1 for e in self.log if e.method == "GET" and "/resolve/" in e.path)


class _Handler(BaseHTTPRequestHandler):
    hub: FakeHub
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    # -- helpers ----------------------------------------------------------------------------------------------
    def _send(self, status: int, body: bytes = b"", headers: dict | None = None, ctype="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.hub.record(Logged(self.command, self._path, self.headers.get("Range"), status))

    def _json(self, obj, status: int = 200, headers: dict | None = None) -> None:
        self._send(status, json.dumps(obj).encode(), headers)

    def _error(self, status: int, code: str, message: str, headers: dict | None = None) -> None:
        self._json({"error": message}, status, {"X-Error-Code": code, "X-Error-Message": message, **(headers or {})})

    def _repo(self, owner: str, name: str) -> FakeRepo | None:
        repo = self.hub.repos.get(f"{owner}/{name}")
        if repo is None:
            self._error(404, "RepoNotFound", "Repository not found")
        return repo

    def _allowed(self, repo: FakeRepo) -> bool:
        if repo.gated and self.headers.get("Authorization") != f"Bearer {self.hub.token}":
            self._error(401, "GatedRepo", f"Access to model {repo.repo_id} is restricted. You must have access.")
            return False
        return True

    # -- routes -----------------------------------------------------------------------------------------------
    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        split = urlsplit(self.path)
        self._path = unquote(split.path)
        query = {k: v[-1] for k, v in parse_qs(split.query).items()}
        parts = [unquote(p) for p in split.path.strip("/").split("/")]
        if parts[:2] == ["api", "models"]:
            return self._api(parts[2:], query)
        if len(parts) >= 5 and parts[2] == "resolve":
            return self._resolve(parts[0], parts[1], parts[3], "/".join(parts[4:]))
        self._error(404, "NotFound", "no such route")

    def _api(self, rest: list[str], query: dict) -> None:
        if not rest:
            return self._search(query)
        repo = self._repo(*rest[:2]) if len(rest) >= 2 else None
        if repo is None:
            return
        if len(rest) == 2 or (len(rest) == 4 and rest[2] == "revision"):
            return self._json(repo.info())
        if len(rest) >= 4 and rest[2] == "tree" and self._allowed(repo):
            if rest[3] not in ("main", repo.commit):
                return self._error(404, "RevisionNotFound", "Invalid rev id")
            return self._json(repo.tree())
        if len(rest) < 4 or rest[2] != "tree":
            self._error(404, "NotFound", "no such route")

    def _search(self, query: dict) -> None:
        text = query.get("search", "").lower()
        wanted = [t.lower() for t in parse_qs(urlsplit(self.path).query).get("filter", [])]  # every tag, as the Hub
        found = [r for r in self.hub.repos.values() if text in r.repo_id.lower()
                 and (not query.get("pipeline_tag") or r.pipeline_tag == query["pipeline_tag"])
                 and all(t in {x.lower() for x in r.tags} for t in wanted)]
        found.sort(key=lambda r: -r.downloads)
        limit = int(query.get("limit", 1000))
        self._json([r.info() for r in found[:limit]])

    def _resolve(self, owner: str, name: str, rev: str, path: str) -> None:
        repo = self._repo(owner, name)
        if repo is None or not self._allowed(repo):
            return
        if rev not in ("main", repo.commit):
            return self._error(404, "RevisionNotFound", "Invalid rev id")
        if path not in repo.files:
            return self._error(404, "EntryNotFound", "Entry not found", {"X-Repo-Commit": repo.commit})
        data = repo.files[path]
        etag = repo.etag(path)
        headers = {"X-Repo-Commit": repo.commit, "ETag": f'"{etag}"', "Accept-Ranges": "bytes"}
        if repo.is_lfs(path):
            headers.update({"X-Linked-Etag": f'"{etag}"', "X-Linked-Size": str(len(data))})
        start, end, status = self._range(len(data))
        if status == 416:
            return self._send(416, b"", {"Content-Range": f"bytes */{len(data)}"})
        if status == 206:
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{len(data)}"
        if path in self.hub.faults.corrupt:
            flipped = bytearray(data)
            flipped[self.hub.faults.corrupt[path]] ^= 0xFF
            data = bytes(flipped)
        self._body(status, data[start:end], headers, path, start)

    def _range(self, size: int) -> tuple[int, int, int]:
        header = self.headers.get("Range")
        if not header or not header.startswith("bytes="):
            return 0, size, 200
        first, _, last = header[6:].partition("-")
        start = int(first or 0)
        end = int(last) + 1 if last else size
        if start >= size:
            return 0, 0, 416
        return start, min(end, size), 206

    def _body(self, status: int, body: bytes, headers: dict, path: str, offset: int) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        entry = Logged(self.command, self._path, self.headers.get("Range"), status)
        self.hub.record(entry)
        if self.command == "HEAD":
            return
        faults = self.hub.faults
        drop_at = faults.drop_once.pop(path, None)
        stall = faults.stall_once.pop(path, None)
        sent = 0
        while sent < len(body):
            if drop_at is not None and offset + sent >= drop_at:
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            if stall is not None and offset + sent >= stall[0]:
                self.wfile.flush()
                time.sleep(stall[1])
                stall = None
            step = faults.chunk if drop_at is None else max(1, min(faults.chunk, drop_at - offset - sent))
            try:
                self.wfile.write(body[sent: sent + step])
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
                return
            sent += len(body[sent: sent + step])
            entry.body_bytes = sent
            if self.hub.throttle_s:
                time.sleep(self.hub.throttle_s)
