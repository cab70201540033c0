"""``DocResult.span``: the characters that decided a score, on every runtime and pair layout.

Checked by scoring the span's text on its own: a cut document's span is exactly what the model read (same
score as the whole, cut, document), a long document's span is its winning chunk (same score as the document).
"""

from __future__ import annotations

import pytest

from app.core.types import ChunkOptions, ScoreOptions

ENCODERS = [
    ("tiny-bert", "onnx", "onnx/model.onnx"),  # encoder, tokenizer.json pair truncation
    ("tiny-bert", "ct2", "ct2"),
    ("tiny-xlmr", "gguf", "gguf/model-f16.gguf"),  # encoder, llama.cpp's own tokenizer
]
DECODERS = [
    ("tiny-qwen3-reranker", "onnx", "onnx/model.onnx"),  # decoder prompt pieces, tokenizer.json
    ("tiny-qwen3-reranker", "gguf", "gguf/model-f16.gguf"),  # decoder, llama.cpp tokenizer
]
CASES = ENCODERS + DECODERS
QUERY = "which animal sleeps in the sun"
LONG = " ".join(f"the {w} number {i} sleeps in a box." for i, w in
                enumerate(["cat", "stock", "river", "engine", "garden", "violin"] * 12))


def _available(fixtures_dir, model: str, file: str) -> bool:
    return (fixtures_dir / model / file).exists()


@pytest.mark.parametrize("model,backend,file", ENCODERS, ids=lambda v: str(v))
def test_cut_document_span_is_what_the_model_read(load_backend, fixtures_dir, model, backend, file):
    if not _available(fixtures_dir, model, file):
        pytest.skip(f"{model}/{file} not in the fixtures")
    b = load_backend(model, backend, file)
    options = ScoreOptions(max_length=160)  # room for the decoder prompt template
    run = b.score(QUERY, [LONG, "a cat sleeps"], options)
    cut, short = run.results
    assert cut.truncated and cut.span is not None and cut.span[0] == 0
    assert 0 < cut.span[1] < len(LONG)
    assert short.span is None and not short.truncated  # read whole: no span
    alone = b.score(QUERY, [LONG[: cut.span[1]]], options).results[0]
    assert alone.raw_score == pytest.approx(cut.raw_score, abs=2e-3)
    assert b.score(QUERY, [LONG[: cut.span[1] // 2]], options).results[0].raw_score != cut.raw_score
    by_index = {r["index"]: r for r in run.to_json()["results"]}  # what `score --json` prints
    assert by_index[0]["span"] == [0, cut.span[1]] and "span" not in by_index[1]


@pytest.mark.parametrize("model,backend,file", CASES, ids=lambda v: str(v))
def test_long_document_span_is_the_winning_chunk(load_backend, fixtures_dir, model, backend, file):
    if not _available(fixtures_dir, model, file):
        pytest.skip(f"{model}/{file} not in the fixtures")
    b = load_backend(model, backend, file)
    run = b.score(QUERY, [LONG], ScoreOptions(chunk=ChunkOptions(24, 4)))
    doc = run.results[0]
    assert doc.chunk_count > 3 and doc.span is not None
    start, end = doc.span
    assert 0 <= start < end <= len(LONG)
    alone = b.score(QUERY, [LONG[start:end]]).results[0]
    assert alone.raw_score == pytest.approx(doc.raw_score, abs=2e-3)


@pytest.mark.parametrize("model,backend,file", DECODERS, ids=lambda v: str(v))
def test_cut_decoder_document_has_no_made_up_span(load_backend, fixtures_dir, model, backend, file):
    """Decoder prompts cut token ids (app.core.prompts) without character offsets: the span stays unknown
    (None) rather than guessed; the preview then says only that the model's limit cut it."""
    if not _available(fixtures_dir, model, file):
        pytest.skip(f"{model}/{file} not in the fixtures")
    b = load_backend(model, backend, file)
    cut = b.score(QUERY, [LONG], ScoreOptions(max_length=160)).results[0]
    assert cut.truncated and cut.span is None


def test_max_doc_tokens_span_is_the_part_kept(load_backend):
    b = load_backend("tiny-bert", "onnx", "onnx/model.onnx")
    run = b.score(QUERY, [LONG, "a cat sleeps"], ScoreOptions(max_doc_tokens=20))
    kept, short = run.results
    assert kept.span is not None and kept.span[0] == 0 and 0 < kept.span[1] < len(LONG)
    assert short.span is None
    alone = b.score(QUERY, [LONG[: kept.span[1]]]).results[0]
    assert alone.raw_score == pytest.approx(kept.raw_score, abs=2e-3)
