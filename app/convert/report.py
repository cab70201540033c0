"""The validation report: a table for the terminal, Markdown and JSON beside the artifacts."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

from app.convert.validate import ArtifactReport, Validation

HEADERS = ("artifact", "size", "load ms", "pairs/s", "max |Δ|", "mean |Δ|", "top-1", "τ", "NDCG@10", "")
REPORT_JSON, REPORT_MD = "validation.json", "validation.md"


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def _num(x: float | None, fmt: str) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, fmt)


def mark(a: ArtifactReport) -> str:
    if a.error:
        return "✗ failed"
    if a.ranking_changed:
        return f"⚠ ranking changed ({a.queries_reranked} queries)"
    return "⚠ drift" if any("exceeds" in w for w in a.warnings) else ""


def rows(v: Validation) -> list[tuple[str, ...]]:
    ref = v.reference
    out = [("reference (torch fp32)", "", _num(ref["load_ms"], ".0f"), _num(ref["pairs_per_s"], ".1f"), "0", "0",
            "–", "1.00", _num(ref["ndcg10"], ".4f"), "")]
    for a in v.artifacts:
        if a.error:
            out.append((a.target, _size(a.size_bytes), "", "", "", "", "", "", "", mark(a)))
            continue
        out.append((a.target, _size(a.size_bytes), _num(a.load_ms, ".0f"), _num(a.pairs_per_s, ".1f"),
                    _num(a.max_abs, ".4f"), _num(a.mean_abs, ".4f"), "kept" if a.top1_kept else "CHANGED",
                    _num(a.tau, ".2f"), _num(a.ndcg10, ".4f"), mark(a)))
    return out


def table(v: Validation) -> str:
    data = [HEADERS, *rows(v)]
    widths = [max(len(r[i]) for r in data) for i in range(len(HEADERS))]
    lines = ["  ".join(c.ljust(w) if i in (0, 9) else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
             .rstrip() for r in data]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines += _notes(v)
    return "\n".join(lines)


def _notes(v: Validation) -> list[str]:
    out = [f"{v.validation_pairs} validation pairs (incl. an empty and a truncated document), "
           f"{v.heldout_queries} held-out queries for NDCG@10; |Δ| on raw scores (logits) vs the reference"]
    for a in v.artifacts:
        out += [f"{a.target}: {w}" for w in a.warnings] + ([f"{a.target}: {a.error}"] if a.error else [])
    return out


def markdown(v: Validation, title: str) -> str:
    head = [h.replace("|", "\\|") for h in HEADERS[:-1]]
    lines = [f"# Validation: {title}", "", "| " + " | ".join(head) + " | note |",
             "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(c or " " for c in r) + " |" for r in rows(v)]
    lines += ["", *[f"- {n.replace('|', chr(92) + '|')}" for n in _notes(v)], ""]
    return "\n".join(lines)


def write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def write(v: Validation, folder: Path, title: str) -> tuple[Path, Path]:
    write_atomic(folder / REPORT_JSON, json.dumps(v.as_dict(), indent=1, ensure_ascii=False) + "\n")
    write_atomic(folder / REPORT_MD, markdown(v, title))
    return folder / REPORT_JSON, folder / REPORT_MD
