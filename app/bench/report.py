"""Terminal tables and target checks for bench reports (plain text, no runtime imports)."""

from __future__ import annotations

from app.bench.results import BackendReport, Cell

# (engine compared with, minimum ratio ours / it, what the target means)
TARGETS = {
    "raw": (0.9, "ours vs the raw runtime loop (our overhead <= 10%)"),
    "embed-list": (2.2, "ours vs llama-cpp-python embed(list), n_ctx 512"),
    "ours-unfused": (1.2, "fused graph vs the plain fp32 export"),
    "torch": (1.3, "ours vs sentence-transformers CrossEncoder (torch fp32); the target is for int8 files"),
}


def format_report(report: BackendReport) -> list[str]:
    lines = [f"== {report.backend} · inputs: {report.inputs} · threads: {report.threads or 'runtime default'}"]
    for e in report.engines:
        lines.append(f"  {e.name:<13} {e.label}")
        lines.append(f"  {'':<13} device {e.device} · load {e.load_ms:.0f} ms · RSS {e.rss_mb:.0f} MB "
                     f"(peak {e.peak_rss_mb:.0f} MB) · {e.artifact}")
        lines += [f"  {'':<13} {note}" for note in e.notes]
    lines.append("")
    lines += format_cells(report.cells)
    if report.latency:
        lat = report.latency
        lines.append(f"latency per query of {lat.docs_per_query} documents (ours, {lat.queries} queries): "
                     f"p50 {lat.p50_ms:.0f} ms · p95 {lat.p95_ms:.0f} ms")
    lines += format_targets(report)
    lines += [f"note: {n}" for n in report.notes]
    return lines


def format_cells(cells: tuple[Cell, ...]) -> list[str]:
    if not cells:
        return []
    names = [m.name for m in cells[0].measurements]
    head = f"{'docs':>6} {'tok/doc':>7} {'tok/pair':>8} " + " ".join(f"{n + ' p/s':>17}" for n in names)
    ratio_names = [n for n in names if n != "ours"]
    head += "".join(f" {'ours/' + n:>17}" for n in ratio_names)
    lines = [head]
    for c in cells:
        row = f"{c.n_docs:>6} {c.doc_tokens or '-':>7} {c.tokens_per_pair:>8.0f} "
        row += " ".join(f"{_pps(c, n):>17}" for n in names)
        row += "".join(f" {_ratio(c, n):>17}" for n in ratio_names)
        lines.append(row)
    diffs = {k: max(c.max_abs_diff.get(k, 0.0) for c in cells) for k in cells[0].max_abs_diff}
    if diffs:
        lines.append("same scores check, max |ours - other| in raw logits: "
                     + ", ".join(f"{k} {v:.2e}" for k, v in diffs.items()))
    return lines


def _pps(cell: Cell, name: str) -> str:
    m = cell.get(name)
    return f"{m.pairs_per_s:.1f} (x{len(m.seconds)})" if m else "-"


def _ratio(cell: Cell, name: str) -> str:
    r = cell.ratio("ours", name)
    return f"{r:.2f}x" if r is not None else "-"


def target_checks(report: BackendReport) -> list[tuple[str, float, float, bool]]:
    """(what, measured ratio, target, met) on the largest cell each comparison ran in."""
    out = []
    for name, (goal, what) in TARGETS.items():
        cells = [c for c in report.cells if c.ratio("ours", name) is not None]
        if not cells:
            continue
        cell = max(cells, key=lambda c: (c.n_docs * (c.doc_tokens or 1), c.n_docs))
        ratio = cell.ratio("ours", name)
        out.append((f"{what} [{cell.n_docs} docs]", ratio, goal, ratio >= goal))
    return out


def format_targets(report: BackendReport) -> list[str]:
    return [f"target {'MET ' if met else 'MISS'} {ratio:.2f}x (>= {goal}x): {what}"
            for what, ratio, goal, met in target_checks(report)]


def memory_summary(reports: list[BackendReport]) -> str:
    ours = [(r.backend, r.engine("ours")) for r in reports if r.engine("ours")]
    total = sum(e.rss_mb for _, e in ours)
    parts = " + ".join(f"{b} {e.rss_mb:.0f}" for b, e in ours)
    return f"RSS of the workers holding our models: {parts} = {total:.0f} MB"
