"""Pair layout for GGUF models, using llama.cpp's own tokenizer (the GGUF usually has no tokenizer.json).

Encoders mirror llama.cpp server's ``format_prompt_rerank``: ``[BOS] q [EOS] [SEP] d [EOS]`` with each special
token added only when the vocab's add_* flag says so. Decoders use the family's official prompt pieces
(app.core.prompts), each piece tokenized by llama.cpp's own tokenizer with special tokens parsed; the GGUF's
``rerank`` chat template (one string, tokenized whole) is not used, as merges across piece borders would differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from app.core.errors import ModelLoadError
from app.core.families import NO_TEMPLATE, ModelFamily
from app.core.pairs import EncodedPair, clean_text
from app.core.prompts import PairTemplate, Tokens


def _flag(meta: dict[str, str], key: str, default: bool) -> bool:
    value = meta.get(key)
    return default if value is None else value.lower() in ("true", "1")


def _token(meta: dict[str, str], key: str) -> int | None:
    value = meta.get(key)
    return int(value) if value not in (None, "") else None


class LlamaPairTokenizer:
    def __init__(self, llm, family: ModelFamily, meta: dict[str, str]) -> None:
        self.llm = llm
        self.family = family
        self.bos = _token(meta, "tokenizer.ggml.bos_token_id")
        eos = _token(meta, "tokenizer.ggml.eos_token_id")
        sep = _token(meta, "tokenizer.ggml.seperator_token_id")
        self.eos = eos if eos is not None else sep
        self.sep = sep
        self.add_bos = _flag(meta, "tokenizer.ggml.add_bos_token", False) and self.bos is not None
        self.add_eos = _flag(meta, "tokenizer.ggml.add_eos_token", False) and self.eos is not None
        self.add_sep = _flag(meta, "tokenizer.ggml.add_sep_token", False) and self.sep is not None
        pre = (self.bos,) if self.add_bos else ()
        mid = ((self.eos,) if self.add_eos else ()) + ((self.sep,) if self.add_sep else ())
        self.tokens = Tokens(lru_cache(maxsize=64)(lambda text: tuple(self._tok(text, special=True))), self.bos,
                             _token(meta, "tokenizer.ggml.padding_token_id"),
                             PairTemplate(pre, mid, (self.eos,) if self.add_eos else ()))

    def _tok(self, text: str, special: bool = False) -> list[int]:
        return self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=special)

    def token_id(self, token: str) -> int:
        ids = self._tok(token)
        if len(ids) != 1:
            raise ModelLoadError(f'The GGUF vocabulary has no single token for "{token}".')
        return ids[0]

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        """Approximate character spans from the byte length of each token's piece."""
        data = text.encode("utf-8")
        spans, pos = [], 0
        for tok in self._tok(text):
            piece = self.llm.detokenize([tok])
            end = min(len(data), pos + len(piece))
            spans.append((len(data[:pos].decode("utf-8", "ignore")), len(data[:end].decode("utf-8", "ignore"))))
            pos = end
        if spans:
            spans[-1] = (spans[-1][0], len(text))
        return spans

    def encode_pairs(self, query: str, texts: Sequence[str], max_length: int,
                     instruction: str | None = None, use_template: bool = True) -> list[EncodedPair]:
        query = clean_text(query)
        if self.family.kind == "decoder":
            return self._decoder(query, [clean_text(t) for t in texts], max_length, instruction, use_template)
        pre = [self.bos] if self.add_bos else []
        mid = ([self.eos] if self.add_eos else []) + ([self.sep] if self.add_sep else [])
        end = [self.eos] if self.add_eos else []
        q = self._tok(query)
        q_cut = len(q) + len(pre) + len(mid) + len(end) >= max_length - 1
        if q_cut:
            q = q[: max(1, max_length // 2 - len(pre) - len(mid) - len(end))]
        budget = max_length - len(pre) - len(q) - len(mid) - len(end)
        out = []
        for i, text in enumerate(texts):
            text = clean_text(text)
            d = self._tok(text)
            full = len(pre) + len(q) + len(mid) + len(d) + len(end)
            cut = len(d) > budget
            kept = (self.token_spans(text)[budget - 1][1] if budget > 0 else 0) if cut else None
            out.append(EncodedPair(i, pre + q + mid + d[:budget] + end, None, full, cut, q_cut, kept))
        return out

    def _decoder(self, query: str, texts: list[str], max_length: int, instruction: str | None,
                 use_template: bool) -> list[EncodedPair]:
        """The family's prompt pieces (app.core.prompts), each tokenized by llama.cpp with specials parsed."""
        fmt = self.family.prompt if use_template and self.family.prompt is not None else NO_TEMPLATE
        out = []
        for i, text in enumerate(texts):
            p = fmt.build(self.tokens, query, text, max_length, instruction)
            out.append(EncodedPair(i, p.ids, None, p.full_length, p.truncated, p.query_truncated))
        return out
