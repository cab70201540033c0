"""Pair encoding with a Hugging Face ``tokenizer.json`` (the `tokenizers` library; no runtime needed).

Trap handled here (FACTS.md): a tokenizer.json may carry its own padding/truncation; both are removed and the
pair truncation is done by us: the query is kept, the document side is cut, token types come from the
tokenizer's post-processor after cutting.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from app.core.errors import ModelLoadError
from app.core.families import NO_TEMPLATE, ModelFamily
from app.core.pairs import EncodedPair, clean_text, cut_at_tokens
from app.core.prompts import PairTemplate, Tokens


def load_tokenizer(folder: Path):
    """Load ``tokenizer.json`` from a model folder with padding and truncation switched off."""
    from tokenizers import Tokenizer

    path = folder / "tokenizer.json"
    if not path.is_file():
        raise ModelLoadError(
            f"No tokenizer.json in {folder}. The app needs the model's fast tokenizer file next to the weights."
        )
    try:
        tok = Tokenizer.from_file(str(path))
    except Exception as exc:  # tokenizers raises plain Exception subclasses
        raise ModelLoadError(f"{path} could not be read as a tokenizer ({exc}); re-download it.") from exc
    tok.no_padding()
    tok.no_truncation()
    return tok


class HFPairTokenizer:
    """Encodes pairs for encoders (tokenizer pair template) and decoders (family prompt template)."""

    def __init__(self, tokenizer, family: ModelFamily, specials: dict[str, int] | None = None) -> None:
        self.tok = tokenizer
        self.family = family
        self.specials = dict(specials or {})
        self.tokens = hf_tokens(tokenizer, self.specials)

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        return list(self.tok.encode(clean_text(text), add_special_tokens=False).offsets)

    def token_id(self, token: str) -> int:
        ids = self.tok.encode(token, add_special_tokens=False).ids
        if len(ids) != 1:
            raise ModelLoadError(f'The tokenizer has no single token for "{token}"; this is not a '
                                 f"{self.family.name} model.")
        return ids[0]

    def encode_pairs(self, query: str, texts: Sequence[str], max_length: int,
                     instruction: str | None = None, use_template: bool = True) -> list[EncodedPair]:
        query = clean_text(query)
        texts = [clean_text(t) for t in texts]
        if self.family.kind == "decoder":
            return self._encode_decoder(query, texts, max_length, instruction, use_template)
        return self._encode_encoder(query, texts, max_length)

    # -- encoders -------------------------------------------------------------------------------------
    def _encode_encoder(self, query: str, texts: list[str], max_length: int) -> list[EncodedPair]:
        overhead = self.tok.num_special_tokens_to_add(is_pair=True)
        q_spans = self.token_spans(query)
        query_cut = len(q_spans) + overhead >= max_length - 1
        if query_cut:  # keep room for the document: cut the query to half the limit
            query, _ = cut_at_tokens(query, q_spans, max(1, max_length // 2 - overhead))
        full = self.tok.encode_batch([(query, t) for t in texts])
        out: list[EncodedPair] = []
        for i, enc in enumerate(full):
            n = len(enc.ids)
            kept = None
            if n > max_length:
                enc = self._truncate_second(query, texts[i], max_length)
                kept = max((o[1] for o, s in zip(enc.offsets, enc.sequence_ids) if s == 1), default=0)
            out.append(EncodedPair(i, enc.ids, enc.type_ids, n, n > max_length, query_cut, kept))
        return out

    def _truncate_second(self, query: str, text: str, max_length: int):
        self.tok.enable_truncation(max_length, strategy="only_second")
        try:
            return self.tok.encode(query, text)
        finally:
            self.tok.no_truncation()

    # -- decoders -------------------------------------------------------------------------------------
    def _encode_decoder(self, query: str, texts: list[str], max_length: int, instruction: str | None,
                        use_template: bool) -> list[EncodedPair]:
        fmt = self.family.prompt if use_template and self.family.prompt is not None else NO_TEMPLATE
        out = []
        for i, text in enumerate(texts):
            p = fmt.build(self.tokens, query, text, max_length, instruction)
            out.append(EncodedPair(i, p.ids, None, p.full_length, p.truncated, p.query_truncated))
        return out


def read_special_tokens(folder: Path, tok, config: dict | None = None) -> dict[str, int]:
    """bos/eos/pad ids: tokenizer_config.json / special_tokens_map.json (in the tokenizer's folder or up to two
    above, where a CT2 or ONNX subfolder's checkpoint keeps them), else config.json's ``*_token_id``."""
    out: dict[str, int] = {}
    for place in (folder, folder.parent, folder.parent.parent):
        for name in ("special_tokens_map.json", "tokenizer_config.json"):
            data = _json(place / name)
            for key in ("bos", "eos", "pad"):
                value = data.get(f"{key}_token")
                content = value.get("content") if isinstance(value, dict) else value
                token_id = tok.token_to_id(content) if isinstance(content, str) else None
                if token_id is not None:
                    out.setdefault(key, token_id)
        if out:
            return out
    for key in ("bos", "eos", "pad"):
        value = (config or {}).get(f"{key}_token_id")
        if isinstance(value, int) and not isinstance(value, bool):
            out[key] = value
    return out


def _json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def hf_tokens(tok, specials: dict[str, int] | None = None) -> Tokens:
    """The ``Tokens`` view of a ``tokenizers.Tokenizer`` for app.core.prompts (pair template learned once)."""
    specials = specials or {}

    @lru_cache(maxsize=64)
    def encode(text: str) -> tuple[int, ...]:
        return tuple(tok.encode(text, add_special_tokens=False).ids)

    a, b = "query", "document"
    try:
        pair = PairTemplate.from_example(tok.encode(a, b).ids, encode(a), encode(b))
    except ValueError:
        pair = PairTemplate()
    return Tokens(encode, specials.get("bos"), specials.get("pad"), pair)
