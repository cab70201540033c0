"""Read Debian package descriptions from the apt lists and group near-duplicate packages.

The lists are fetched into a PRIVATE lists folder (WORK/apt-lists) with
`apt-get update -o Acquire::Languages=en -o Dir::State::Lists=...`: the system's /var/lib/apt/lists is shared,
and any plain `apt-get update` there (Acquire::Languages "none" on this machine) deletes Translation-en.
Lists may be lz4/xz/gz compressed; `apt-helper cat-file` decompresses any of them.
"""
from __future__ import annotations

import glob
import hashlib
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

PACKAGES_GLOB = "*_debian_dists_bookworm_main_binary-amd64_Packages*"
TRANSLATION_GLOB = "*_debian_dists_bookworm_main_i18n_Translation-en*"
MIN_SHARED_PARA = 150  # paragraphs this long shared by two packages put them in one group
GENERIC_HOSTS = {"github.com", "gitlab.com", "sourceforge.net", "pypi.org", "metacpan.org",
                 "cran.r-project.org", "hackage.haskell.org", "www.gnu.org", "gnu.org", "salsa.debian.org"}


@dataclass
class Pkg:
    name: str
    synopsis: str
    paras: list[str]
    source: str
    homepage: str
    group: str = ""
    keys: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.paras)


def fetch_lists(lists: Path) -> None:
    """apt-get update into a private lists folder (needs root and the Debian mirror)."""
    (lists / "partial").mkdir(parents=True, exist_ok=True)
    subprocess.run(["apt-get", "update", "-o", "Acquire::Languages=en", "-o", f"Dir::State::Lists={lists}"],
                   check=True, stdout=subprocess.DEVNULL)


def _one_list(lists: Path, pattern: str) -> str:
    hits = sorted(p for p in glob.glob(f"{lists}/{pattern}") if not p.endswith(".diff"))
    if not hits:
        raise SystemExit(f"no apt list matches {lists}/{pattern}; run build_dataset.py with --fetch")
    return hits[0]


def cat_list(path: str) -> str:
    return subprocess.run(["/usr/lib/apt/apt-helper", "cat-file", path],
                          capture_output=True, text=True, check=True).stdout


def stanzas(text: str):
    for block in text.split("\n\n"):
        d, last = {}, None
        for line in block.split("\n"):
            if line.startswith(" ") and last:
                d[last] += "\n" + line
            elif ":" in line:
                last, v = line.split(":", 1)
                d[last] = v.strip()
        if d:
            yield d


def clean_long(long: str) -> list[str]:
    """Debian long description -> paragraphs (' .' separates, leading space stripped)."""
    paras, cur = [], []
    for line in long.split("\n"):
        line = line[1:] if line.startswith(" ") else line
        if line.strip() == ".":
            paras.append(" ".join(cur))
            cur = []
        elif line.startswith(" "):  # verbatim line (lists): keep it on its own line
            cur.append("\n" + line.strip())
        else:
            cur.append(line.strip())
    paras.append(" ".join(cur))
    return [re.sub(r" ?\n", "\n", p).strip() for p in paras if p.strip()]


def norm(s: str) -> str:
    return re.sub(r"\W+", " ", s.lower()).strip()


def digest(s: str) -> str:
    return hashlib.sha1(s.encode("utf-8")).hexdigest()[:16]


def _homepage_key(hp: str) -> str | None:
    h = re.sub(r"^https?://", "", hp.strip().lower()).rstrip("/")
    if not h:
        return None
    host, _, path = h.partition("/")
    if host in GENERIC_HOSTS and not path:
        return None
    return "home:" + h.removeprefix("www.")


def load_packages(lists: Path) -> tuple[list[Pkg], dict]:
    """All packages with an English long description, plus the list files used (for provenance)."""
    pk_path, tr_path = _one_list(lists, PACKAGES_GLOB), _one_list(lists, TRANSLATION_GLOB)
    meta = {}
    for s in stanzas(cat_list(pk_path)):
        meta.setdefault(s["Package"], s)
    out, seen = [], set()
    for s in stanzas(cat_list(tr_path)):
        name = s.get("Package")
        if not name or name in seen or "Description-en" not in s:
            continue
        seen.add(name)
        syn, _, long = s["Description-en"].partition("\n")
        m = meta.get(name, {})
        out.append(Pkg(name, syn.strip(), clean_long(long), m.get("Source", name).split(" ")[0],
                       m.get("Homepage", "")))
    return out, {"packages_list": pk_path, "translation_list": tr_path}


def group_packages(pkgs: list[Pkg]) -> None:
    """Union-find over source package, upstream homepage, identical description, shared long paragraph."""
    parent: dict[str, str] = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pkgs:
        keys = ["src:" + p.source, "desc:" + digest(norm(p.text))]
        hk = _homepage_key(p.homepage)
        if hk:
            keys.append(hk)
        keys += ["para:" + digest(norm(q)) for q in p.paras if len(q) >= MIN_SHARED_PARA]
        p.keys = keys
        for k in keys:
            parent[find("pkg:" + p.name)] = find(k)
    members: dict[str, list[str]] = {}
    for p in pkgs:
        members.setdefault(find("pkg:" + p.name), []).append(p.name)
    label = {root: min(names) for root, names in members.items()}  # stable group id
    for p in pkgs:
        p.group = label[find("pkg:" + p.name)]


BAD_SYNOPSIS = re.compile(r"transitional|dummy|debug symbols|debugging symbols|metapackage|meta-package",
                          re.IGNORECASE)


def good_query(p: Pkg) -> bool:
    return (len(p.synopsis.split()) >= 3 and not BAD_SYNOPSIS.search(p.synopsis)
            and len(p.text) >= 100 and not p.name.endswith(("-dbg", "-dbgsym")))
