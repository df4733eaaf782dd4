from __future__ import annotations

import pytest

from assistant.chunk import Chunk, Page, chunk_pages
from assistant.embed import SentenceTransformerEmbedder
from assistant.text import sentences


def test_chunks_never_cross_pages_and_offsets_slice_back(pages: list[Page], chunks: list[Chunk]) -> None:
    by_page = {(page.doc_id, page.page): page for page in pages}
    assert chunks
    for chunk in chunks:
        page = by_page[(chunk.doc_id, chunk.page)]
        assert page.text[chunk.start : chunk.end] == chunk.text
        assert chunk.id == f"{chunk.doc_id}:{chunk.version}:{chunk.page}:{chunk.start}"
    assert {(chunk.doc_id, chunk.page) for chunk in chunks} == set(by_page)


def test_chunks_fit_the_model(chunks: list[Chunk], embedder: SentenceTransformerEmbedder) -> None:
    assert max(embedder.count_tokens(chunk.text) for chunk in chunks) <= 120
    # the whole chunk reaches the model: the budget leaves room for [CLS] and [SEP]
    assert embedder.max_tokens >= 120 + 2


def test_chunks_cover_every_sentence_and_overlap(
    pages: list[Page], chunks: list[Chunk], embedder: SentenceTransformerEmbedder
) -> None:
    overlapping = 0
    for page in pages:
        mine = sorted(
            (chunk for chunk in chunks if (chunk.doc_id, chunk.page) == (page.doc_id, page.page)), key=lambda c: c.start
        )
        for first, second in zip(mine, mine[1:], strict=False):
            # nothing between two chunks is lost
            assert not page.text[first.end : second.start].strip()
            if second.start < first.end:
                overlapping += 1
                continue
            # no overlap only where the sentence at the cut and the next one do not fit the budget together
            tail = sentences(first.text)[-1]
            head = sentences(second.text)[0]
            joined = page.text[first.start + tail[0] : second.start + head[1]]
            assert embedder.count_tokens(joined) > 120
        assert mine[0].start <= 2
        assert mine[-1].end == len(page.text.rstrip())
    assert overlapping


def test_an_over_long_sentence_is_split_between_words(embedder: SentenceTransformerEmbedder) -> None:
    words = " ".join(f"từ{number}" for number in range(400))
    page = Page(doc_id=1, version=2, page=3, text=f"Câu ngắn. {words}. Câu cuối.")
    chunks = chunk_pages([page], embedder.count_tokens, max_tokens=50)
    assert len(chunks) > 5
    for chunk in chunks:
        assert embedder.count_tokens(chunk.text) <= 50
        assert page.text[chunk.start : chunk.end] == chunk.text
        assert not chunk.text[0].isspace() and not chunk.text[-1].isspace()
    covered = " ".join(chunk.text for chunk in chunks)
    assert "từ0 " in covered and "từ399" in covered


def test_chunking_with_a_plain_counter_and_no_overlap() -> None:
    page = Page(doc_id=5, version=1, page=1, text="Một hai ba. Bốn năm sáu. Bảy tám chín. Mười.")
    chunks = chunk_pages([page], lambda text: len(text.split()), max_tokens=6, overlap_sentences=0)
    assert [chunk.text for chunk in chunks] == ["Một hai ba. Bốn năm sáu.", "Bảy tám chín. Mười."]
    overlapping = chunk_pages([page], lambda text: len(text.split()), max_tokens=6, overlap_sentences=1)
    assert [chunk.text for chunk in overlapping] == [
        "Một hai ba. Bốn năm sáu.",
        "Bốn năm sáu. Bảy tám chín.",
        "Bảy tám chín. Mười.",
    ]


def test_empty_pages_give_no_chunks() -> None:
    assert chunk_pages([Page(1, 1, 1, ""), Page(1, 1, 2, "  \n ")], lambda text: len(text.split())) == []
    with pytest.raises(ValueError):
        chunk_pages([], len, max_tokens=0)
