"""Run llama.cpp's convert_hf_to_gguf.py from its own tree, with a fallback for unknown pre-tokenizer hashes.

Usage (app/convert/gguf_export.py runs this file as a subprocess, cwd = the llama.cpp tree):
    python gguf_wrapper.py LLAMA_CPP_DIR FALLBACK_PRE -- MODEL_DIR --outfile OUT.gguf --outtype f32

convert_hf_to_gguf.py identifies a BPE pre-tokenizer by hashing the token ids of a test string and refuses
unknown hashes, WordPiece vocabularies included. The stock check runs first; only when it refuses and
FALLBACK_PRE is not "-" (the caller decided the pre-tokenizer from tokenizer.json: "default" for WordPiece,
where llama.cpp ignores it; "qwen2" for Qwen2's exact split regex) is that name written instead. Everything
else is the stock converter, imported from its own folder (conversion/ and gguf-py/), never a pip `gguf`.
"""

from __future__ import annotations

import logging
import runpy
import sys
from pathlib import Path


def main() -> None:
    llama_dir = Path(sys.argv[1]).resolve()
    fallback = sys.argv[2]
    if sys.argv[3] != "--":
        raise SystemExit("usage: gguf_wrapper.py LLAMA_CPP_DIR FALLBACK_PRE -- CONVERTER_ARGS...")
    sys.path.insert(0, str(llama_dir / "gguf-py"))
    sys.path.insert(0, str(llama_dir))
    import gguf
    from conversion import base

    if not str(Path(gguf.__file__).resolve()).startswith(str(llama_dir)):
        raise SystemExit(f"wrong gguf package imported: {gguf.__file__}")
    stock = base.TextModel.get_vocab_base_pre

    def checked_pre(self, tokenizer) -> str:
        try:
            return stock(self, tokenizer)
        except NotImplementedError:
            if fallback == "-":
                raise
            logging.getLogger("gguf_wrapper").warning("unknown pre-tokenizer hash: writing %r", fallback)
            return fallback

    base.TextModel.get_vocab_base_pre = checked_pre
    script = llama_dir / "convert_hf_to_gguf.py"
    sys.argv = [str(script), *sys.argv[4:]]
    runpy.run_path(str(script), run_name="__main__")


if __name__ == "__main__":
    main()
