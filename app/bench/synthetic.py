"""Deterministic benchmark inputs: the same seed gives the same query and documents on every machine."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

# Common English words: one WordPiece/SentencePiece token each in most reranker vocabularies.
WORDS = tuple("""
the of and to in is that for it as was with be by on not he this are or his from at which but have an they
you were her she there one all we their been has more when will would who so no if out up said what about
its into than them can only other time new some could these two may first then do any like my now over such
our man me even most made after also did many before must through back years where much your way well down
should because each just those people how too little state good very make world still own see men work long
here get both between life being under never day same another know while last might us great old year off
come since against go came right used take three states himself few house use during without again place
around however home small found thought went say part once general high upon school every does got united
left number course war until always away something fact though water less public put think almost hand
enough far took head yet government system better set told nothing night end why called didn find going look
asked later knew point next program city business give group toward young days let room president side
social given present several order national possible rather second face per among form important often things
looked early white case john become large big need four within felt along children saw best church ever least
power development light thought seemed family interest want members mind country area others although turned
done open god service certain kind problem began different door thus help sense means whole matter perhaps
itself york times law human line above name example action company hands local show whether five history gave
today either act feet across taken past quite anything seen having death week experience body word half
really field am car words already themselves information tell together college shall money period held keep
sure real probably free seems political cannot behind miss question air office making brought whose special
major heard problems federal became study ago moment available known result street economic boy reason change
position south board individual job areas society west close turn love community true court force full seem
model search query document ranking relevance score retrieval neural network training data learning language
""".split())


@dataclass(frozen=True)
class Inputs:
    """One query and its documents, described so runs can be compared."""

    query: str
    documents: tuple[str, ...]
    label: str  # "synthetic seed 0, 100 docs x ~128 tokens" or the file name


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def synthetic(n_docs: int, doc_tokens: int, seed: int = 0, tokenizer=None, vary: float = 0.5) -> Inputs:
    """``n_docs`` documents of ``doc_tokens`` tokens on average (uniform in +-``vary``), and a 10-word query.

    With a ``tokenizers.Tokenizer`` the documents are cut to their exact token counts; without one the word
    count is used (about 1.1 tokens per word with this word list).
    """
    if n_docs < 1 or doc_tokens < 1:
        raise ValueError("need at least one document of at least one token")
    rng = random.Random(f"{seed}:{n_docs}:{doc_tokens}")
    query = _words(rng, 10)
    lo, hi = max(1, round(doc_tokens * (1 - vary))), max(1, round(doc_tokens * (1 + vary)))
    targets = [rng.randint(lo, hi) for _ in range(n_docs)]
    texts = [_words(rng, t + 8) for t in targets]
    if tokenizer is not None:
        encodings = tokenizer.encode_batch(texts, add_special_tokens=False)
        texts = [text[: enc.offsets[min(t, len(enc.offsets)) - 1][1]] if enc.offsets else text
                 for text, enc, t in zip(texts, encodings, targets)]
    else:
        texts = [" ".join(text.split()[: max(1, round(t / 1.1))]) for text, t in zip(texts, targets)]
    return Inputs(query, tuple(texts), f"synthetic seed {seed}: {n_docs} docs x ~{doc_tokens} tokens")


def from_file(path: str, query: str | None, limit: int | None = None) -> Inputs:
    """Real documents from a file the ``score`` command reads (.txt, .jsonl, .json, .pdf, .docx, ...)."""
    from app.core.docsio import read_documents

    docs = [d.text for d in read_documents(path)]
    if limit:
        docs = docs[:limit]
    return Inputs(query or "what is this document about", tuple(docs), Path(path).name)


def find_tokenizer(model_path: str):
    """The model's tokenizer.json (padding/truncation off) when one sits in or near ``model_path``, else None."""
    from app.core.errors import PlaygroundError

    base = Path(model_path)
    for folder in (base if base.is_dir() else base.parent, base.parent, base.parent.parent):
        if (folder / "tokenizer.json").is_file():
            from app.core.tokenization import load_tokenizer

            try:
                return load_tokenizer(folder)
            except PlaygroundError:
                return None
    return None
