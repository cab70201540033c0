"""Encoded query/document pairs and the tokenizer protocol every backend provides."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, eq=False)
class EncodedPair:
    """Token ids of one (query, document-or-chunk) pair, as the runtime will see them."""

    item: int  # position in the flat list of scored items (documents or chunks)
    ids: Sequence[int]
    type_ids: Sequence[int] | None
    full_length: int  # tokens before truncation
    truncated: bool
    query_truncated: bool = False
    kept_chars: int | None = None  # when truncated: characters of the document (or chunk) text the pair holds

    def __len__(self) -> int:
        return len(self.ids)


class PairTokenizer(Protocol):
    """Turns a query and texts into pairs laid out exactly as the model was trained."""

    def encode_pairs(self, query: str, texts: Sequence[str], max_length: int,
                     instruction: str | None = None, use_template: bool = True) -> list[EncodedPair]:
        ...

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        """Character spans of the text's tokens (no special tokens), for chunking."""
        ...


def clean_text(text: str) -> str:
    """Make any Python string safe for the native tokenizers (lone surrogates -> U+FFFD)."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def cut_at_tokens(text: str, spans: Sequence[tuple[int, int]], budget: int) -> tuple[str, bool]:
    """Keep the first ``budget`` tokens of ``text`` (by their spans); report whether it was cut."""
    if len(spans) <= budget:
        return text, False
    if budget <= 0:
        return "", True
    return text[: spans[budget - 1][1]], True
