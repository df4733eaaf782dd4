"""A reader following the writer's saves: loading beside the index it has gives the same index as loading afresh."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.chunk import Chunk, Page, chunk_pages
from assistant.embed import SentenceTransformerEmbedder
from assistant.retriever import Retriever
from tests.assistant.conftest import DE_AN_06_ID, IHANOI_ID, QUESTIONS

NEW_ID = 33
NEW_PAGE = (
    "Nghị quyết về quy hoạch cây xanh đô thị: trồng mới 12.500 cây bóng mát trên các tuyến phố "
    "nội đô trong năm 2025, ưu tiên tuyến đường mới mở và khu tái định cư."
)
ASKED = [question for question, *_ in QUESTIONS] + ["bao nhiêu cây bóng mát được trồng mới", "quy hoach cay xanh"]


def ranking(retriever: Retriever, question: str) -> list[tuple[str, float]]:
    return [(hit.chunk.id, round(hit.score, 5)) for hit in retriever.search(question, k=8)]


def writer_and_reader(
    directory: Path, chunks: list[Chunk], embedder: SentenceTransformerEmbedder
) -> tuple[Retriever, Retriever]:
    """The writer's index of `chunks`, saved in `directory`, and a reader's load of that save."""
    writer = Retriever.build(chunks, embedder)
    writer.save(directory)
    return writer, Retriever.load(directory, embedder)


def add_new_document(writer: Retriever, embedder: SentenceTransformerEmbedder) -> None:
    added = chunk_pages([Page(doc_id=NEW_ID, version=1, page=1, text=NEW_PAGE)], embedder.count_tokens)
    writer.add(added, embedder.encode([chunk.text for chunk in added]))


def test_a_reload_beside_the_last_one_equals_a_fresh_load(
    tmp_path: Path, chunks: list[Chunk], embedder: SentenceTransformerEmbedder
) -> None:
    directory = tmp_path / "index"
    writer, reader = writer_and_reader(directory, chunks, embedder)
    # the writer drops a document, adds one, and one page's text changes under the same chunk ids
    writer.remove(DE_AN_06_ID)
    add_new_document(writer, embedder)
    first_page = [chunk for chunk in writer.chunks() if chunk.doc_id == IHANOI_ID and chunk.page == 1]
    rewritten = [Chunk(**{**chunk.__dict__, "text": chunk.text.replace("iHanoi", "iHN")}) for chunk in first_page]
    assert writer.replace_page(IHANOI_ID, 1, rewritten)
    writer.add_vectors([chunk.id for chunk in rewritten], embedder.encode([chunk.text for chunk in rewritten]))
    writer.save(directory)

    following = Retriever.load(directory, embedder, previous=reader)
    fresh = Retriever.load(directory, embedder)
    assert following.saved_id == fresh.saved_id == writer.saved_id
    assert following.doc_ids() == fresh.doc_ids() == {IHANOI_ID, NEW_ID}
    assert [(c.id, c.text) for c in following.chunks()] == [(c.id, c.text) for c in fresh.chunks()]
    assert following.vector_count() == fresh.vector_count() == len(fresh)
    for question in ASKED + ["iHN", "iHanoi"]:
        assert ranking(following, question) == ranking(fresh, question), question
    # the changed page is read with its new words, not the terms the reader held for its old text
    assert {hit.chunk.doc_id for hit in following.search("iHN", k=3)} == {IHANOI_ID}
    assert following.search("cây bóng mát trồng mới", k=1)[0].chunk.doc_id == NEW_ID
    # and the reader it followed is untouched: it still answers as before the save
    assert DE_AN_06_ID in reader.doc_ids() and NEW_ID not in reader.doc_ids()


def test_following_many_removals_drops_the_terms_nobody_uses(
    tmp_path: Path, chunks: list[Chunk], embedder: SentenceTransformerEmbedder
) -> None:
    directory = tmp_path / "index"
    writer, reader = writer_and_reader(directory, chunks, embedder)
    for doc_id in (DE_AN_06_ID, IHANOI_ID):
        writer.remove(doc_id)
    add_new_document(writer, embedder)
    writer.save(directory)
    following = Retriever.load(directory, embedder, previous=reader)
    fresh = Retriever.load(directory, embedder)
    assert following.doc_ids() == {NEW_ID}
    for question in ASKED:
        assert ranking(following, question) == ranking(fresh, question), question
    # the vocabulary it adopted was mostly the removed documents' words: it was compacted to what is used
    assert following._lexical.unused_terms(np.ones(len(following), dtype=bool)) == 0
    assert np.isclose(following.search(NEW_PAGE[:60], k=1)[0].score, fresh.search(NEW_PAGE[:60], k=1)[0].score)
