"""``--plot FILE.png``: how cost grows with documents and document length (matplotlib, Agg, imported lazily)."""

from __future__ import annotations

from pathlib import Path

from app.bench.results import BackendReport
from app.bench.runner import SWEEP_BASE_DOCS, SWEEP_BASE_TOKENS, SWEEP_DOCS, SWEEP_TOKENS
from app.core.errors import BackendUnavailableError, BadInputError


def plot(reports: list[BackendReport], path: str) -> Path:
    """Two panels: milliseconds per query vs documents, and vs tokens per document; one line per engine."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise BackendUnavailableError("--plot needs matplotlib: pip install 'rerank-playground[bench]' "
                                      "(or pip install matplotlib).") from exc
    out = Path(path).expanduser()
    if out.suffix.lower() != ".png":
        raise BadInputError(f"--plot {path}: give a .png file name.")
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for report in reports:
        names = [m.name for m in report.cells[0].measurements] if report.cells else []
        for name in names:
            label = f"{report.backend} · {name}"
            by_docs = sorted((c.n_docs, c.get(name).median_s * 1000) for c in report.cells
                             if c.doc_tokens == SWEEP_BASE_TOKENS and c.get(name))
            by_len = sorted((c.doc_tokens, c.get(name).median_s * 1000) for c in report.cells
                            if c.n_docs == SWEEP_BASE_DOCS and c.get(name))
            style = "-" if name == "ours" else "--"
            if by_docs:
                left.plot(*zip(*by_docs), style, marker="o", label=label)
            if by_len:
                right.plot(*zip(*by_len), style, marker="o", label=label)
    left.set(xscale="log", yscale="log", xlabel="documents per query", ylabel="ms per query",
             title=f"~{SWEEP_BASE_TOKENS} tokens per document")
    right.set(xscale="log", yscale="log", xlabel="tokens per document", ylabel="ms per query",
              title=f"{SWEEP_BASE_DOCS} documents per query")
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    for ax, ticks in ((left, SWEEP_DOCS), (right, SWEEP_TOKENS)):
        ax.set_xticks(ticks)
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.grid(True, which="both", alpha=0.3)
    right.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
