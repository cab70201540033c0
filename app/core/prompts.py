"""Decoder prompts as token-id pieces, assembled exactly as each family's official code does.

Official implementations tokenize parts of the prompt separately and concatenate the ids; tokenizing the
rendered prompt as one string merges punctuation and newlines (``?\\n``) into other tokens. Every runtime
(onnxruntime, CTranslate2, llama.cpp with its own tokenizer, a transformers reference) builds its ids here from
one callable, so a layout is defined once:

>>> fmt = prompt_format("mxbai-v2")
>>> pair = fmt.build(Tokens(encode=lambda text: tok.encode(text, add_special_tokens=False)),
...                  "what is a cat", "A cat is an animal.", max_length=8192)
>>> pair.ids  # token ids ready for the model

``encode(text)`` must add no special tokens and must parse special-token text (``<|im_start|>``) as the token
itself (Hugging Face tokenizers do by default; llama.cpp needs ``special=True``).

Layouts (``PromptFormat.layout``), each reproducing one official implementation:
- ``qwen3``: Qwen3-Reranker's reference code: ``prefix_ids + tok(body)[:budget] + suffix_ids`` with the body
  ``<Instruct>: {instruction}\\n<Query>: {query}\\n<Document>: {document}`` tokenized as one string and cut from
  the right at ``max_length - len(prefix) - len(suffix)``.
- ``mxbai``: mxbai_rerank's ``MxbaiRerankV2.prepare_inputs``: ``tok("query: {q}")`` (cut at 3/4 of max_length),
  ``tok("\\n") + tok("document: {d}")`` cut so that query + document fit max_length, then
  ``prefix + ... + tok("\\n") + tok(task) + suffix`` (the template lies outside max_length).
- ``flag_llm``: FlagEmbedding's ``BaseLLMReranker`` (bge-reranker-v2-gemma): ``[bos] + tok("A: {q}")``
  (cut at 3/4 of max_length), ``tok("\\n") + tok("B: {p}")`` (the passage cut at max_length, then the pair at
  ``max_length + len(sep) + len(prompt)``), then ``+ tok("\\n") + tok(prompt)``.
- ``pair``: the tokenizer's own pair template around ``tok(first)`` and ``tok(second)``, truncated
  ``longest_first`` as Hugging Face tokenizers do (DeAR: ``tokenizer(f"query: {q}", f"document: {d}",
  truncation=True, max_length=228)``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

Encode = Callable[[str], Sequence[int]]


@dataclass(frozen=True)
class PairTemplate:
    """A tokenizer's special tokens around a pair: ``pre + a + mid + b + post``."""

    pre: tuple[int, ...] = ()
    mid: tuple[int, ...] = ()
    post: tuple[int, ...] = ()

    @property
    def n_special(self) -> int:
        return len(self.pre) + len(self.mid) + len(self.post)

    @classmethod
    def from_example(cls, full: Sequence[int], a: Sequence[int], b: Sequence[int]) -> PairTemplate:
        """Learn the layout from one pair encoded with special tokens (``full``) and its parts without them."""
        full, a, b = list(full), list(a), list(b)
        for start in range(len(full) - len(a) + 1):
            if full[start:start + len(a)] != a:
                continue
            rest = full[start + len(a):]
            for mid in range(len(rest) - len(b) + 1):
                if rest[mid:mid + len(b)] == b:
                    return cls(tuple(full[:start]), tuple(rest[:mid]), tuple(rest[mid + len(b):]))
        raise ValueError("the pair encoding does not contain its two parts in order")


@dataclass(frozen=True)
class Tokens:
    """What an assembler needs from a tokenizer: ``encode`` plus a few special ids."""

    encode: Encode
    bos_id: int | None = None
    pad_id: int | None = None
    pair: PairTemplate | None = None  # only the ``pair`` layout needs it


@dataclass(frozen=True)
class PairIds:
    ids: tuple[int, ...]
    full_length: int  # tokens the pair would have without truncation
    truncated: bool
    query_truncated: bool = False


@dataclass(frozen=True)
class PromptFormat:
    """One declared prompt layout. ``first``/``second`` hold ``{query}``, ``{document}``, ``{instruction}``."""

    name: str
    layout: str  # qwen3 | mxbai | flag_llm | pair
    first: str
    second: str = ""
    prefix: str = ""
    suffix: str = ""
    sep: str = "\n"
    task: str = ""  # mxbai: the fixed task prompt after the document
    default_instruction: str | None = None
    instruction_prefix: str = ""  # mxbai: "instruction: {instruction}" + sep before the query, when given
    description: str = ""

    @property
    def instruction_aware(self) -> bool:
        return self.default_instruction is not None or bool(self.instruction_prefix)

    def build(self, tokens: Tokens, query: str, document: str, max_length: int,
              instruction: str | None = None) -> PairIds:
        instr = instruction if instruction is not None else self.default_instruction
        builder = {"qwen3": _qwen3, "mxbai": _mxbai, "flag_llm": _flag_llm, "pair": _pair}[self.layout]
        return builder(self, tokens, query, document, max(8, int(max_length)), instr)

    def static_length(self, tokens: Tokens, instruction: str | None = None) -> int:
        """Tokens of the template around an empty query and document (for chunk budgets)."""
        return len(self.build(tokens, "", "", 1 << 20, instruction).ids)


def _fill(text: str, query: str, document: str, instruction: str | None) -> str:
    return text.replace("{instruction}", instruction or "").replace("{query}", query) \
        .replace("{document}", document)


def _enc(tokens: Tokens, text: str) -> list[int]:
    return list(tokens.encode(text)) if text else []


def _cut(ids: list[int], n: int) -> tuple[list[int], bool]:
    n = max(0, n)
    return (ids[:n], True) if len(ids) > n else (ids, False)


def _qwen3(f: PromptFormat, t: Tokens, q: str, d: str, max_length: int, instr: str | None) -> PairIds:
    pre, suf = _enc(t, f.prefix), _enc(t, f.suffix)
    body = _enc(t, _fill(f.first, q, d, instr))
    kept, cut = _cut(body, max_length - len(pre) - len(suf))
    return PairIds(tuple(pre + kept + suf), len(pre) + len(body) + len(suf), cut)


def _mxbai(f: PromptFormat, t: Tokens, q: str, d: str, max_length: int, instr: str | None) -> PairIds:
    sep = _enc(t, f.sep)
    query_text = _fill(f.first, q, d, instr)
    if instr and f.instruction_prefix:
        query_text = _fill(f.instruction_prefix, q, d, instr) + f.sep + query_text
    q_full = _enc(t, query_text)
    q_ids, q_cut = _cut(q_full, max_length * 3 // 4)
    d_full = _enc(t, _fill(f.second, q, d, instr))
    d_ids, _ = _cut(d_full, max_length)
    second, cut = _cut(sep + d_ids, max_length - len(q_ids))  # prepare_for_model(only_second)
    static = _enc(t, f.prefix), _enc(t, f.task), _enc(t, f.suffix)
    ids = static[0] + q_ids + second + sep + static[1] + static[2]
    full = len(static[0]) + len(q_full) + len(sep) * 2 + len(d_full) + len(static[1]) + len(static[2])
    return PairIds(tuple(ids), full, cut or len(d_full) > len(d_ids), q_cut)


def _flag_llm(f: PromptFormat, t: Tokens, q: str, d: str, max_length: int, instr: str | None) -> PairIds:
    sep, prompt = _enc(t, f.sep), _enc(t, instr or "")
    q_full, d_full = _enc(t, _fill(f.first, q, d, instr)), _enc(t, _fill(f.second, q, d, instr))
    q_ids, q_cut = _cut(q_full, max_length * 3 // 4)
    d_ids, _ = _cut(d_full, max_length)
    bos = [t.bos_id] if t.bos_id is not None and t.bos_id != t.pad_id else []
    first = bos + q_ids
    second, cut = _cut(sep + d_ids, max_length + len(sep) + len(prompt) - len(first))
    ids = first + second + sep + prompt
    full = len(bos) + len(q_full) + len(sep) * 2 + len(d_full) + len(prompt)
    return PairIds(tuple(ids), full, cut or len(d_full) > len(d_ids), q_cut)


def longest_first(n1: int, n2: int, budget: int) -> tuple[int, int]:
    """Lengths kept by Hugging Face tokenizers' ``longest_first`` pair truncation (tokenizers' Rust code)."""
    if n1 + n2 <= budget:
        return n1, n2
    swap = n1 > n2
    a, b = (n2, n1) if swap else (n1, n2)
    b = a if a > budget else max(a, budget - a)
    if a + b > budget:
        a = budget // 2
        b = a + budget % 2
    return (b, a) if swap else (a, b)


def _pair(f: PromptFormat, t: Tokens, q: str, d: str, max_length: int, instr: str | None) -> PairIds:
    tpl = t.pair or PairTemplate()
    a = _enc(t, _fill(f.first, q, d, instr))
    b = _enc(t, _fill(f.second, q, d, instr))
    n1, n2 = longest_first(len(a), len(b), max(2, max_length - tpl.n_special))
    ids = list(tpl.pre) + a[:n1] + list(tpl.mid) + b[:n2] + list(tpl.post)
    return PairIds(tuple(ids), len(a) + len(b) + tpl.n_special, n2 < len(b) or n1 < len(a), n1 < len(a))


def tokens_from_transformers(tokenizer) -> Tokens:
    """``Tokens`` for a transformers tokenizer (duck-typed, nothing imported): for a transformers reference.

    ``encode`` is ``tokenizer(text, add_special_tokens=False)["input_ids"]``; the pair template is learned from
    ``tokenizer("query", "document")``; BOS and pad ids are the tokenizer's own.
    """

    def encode(text: str) -> list[int]:
        return list(tokenizer(text, add_special_tokens=False)["input_ids"])

    try:
        pair = PairTemplate.from_example(tokenizer("query", "document")["input_ids"], encode("query"),
                                         encode("document"))
    except ValueError:
        pair = PairTemplate()
    bos, pad = getattr(tokenizer, "bos_token_id", None), getattr(tokenizer, "pad_token_id", None)
    return Tokens(encode, bos, pad, pair)
