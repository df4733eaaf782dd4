"""Phrasing by a local language model behind an OpenAI-compatible chat endpoint (llama.cpp, vLLM, Ollama).

The model sees the question and the retrieved passages only, and is told to answer from them alone;
the citations stay the retrieved ones. Any failure (unreachable, slow, malformed, empty) returns None
and the caller keeps the extractive answer.
"""

from __future__ import annotations

import logging

import httpx

from assistant.retriever import SearchHit

log = logging.getLogger(__name__)

MAX_PASSAGE_CHARS = 1200
INSTRUCTIONS = {
    "vi": (
        "Bạn là trợ lý ảo của phòng họp. Chỉ trả lời dựa trên các đoạn tài liệu được cung cấp, ngắn gọn, "
        "bằng tiếng Việt, giữ nguyên mọi con số và tên riêng. Ghi nguồn bằng số đoạn trong ngoặc vuông, "
        "ví dụ [1]. Nếu các đoạn không có câu trả lời, hãy nói rằng tài liệu không có thông tin này."
    ),
    "en": (
        "You are the meeting room's assistant. Answer only from the passages given, briefly, in English, "
        "keeping every figure and name exactly. Cite passages by number in square brackets, e.g. [1]. If the "
        "passages do not hold the answer, say that the materials do not contain it."
    ),
}


class ChatPhraser:
    """Asks ``{base_url}/chat/completions`` to phrase an answer from passages."""

    def __init__(self, base_url: str, model: str, api_key: str | None, timeout: float) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.http = httpx.AsyncClient(headers=headers, timeout=timeout)

    async def phrase(self, question: str, hits: list[SearchHit], titles: dict[int, str], language: str) -> str | None:
        """The model's answer, or None when it cannot give one (the caller then answers extractively)."""
        passages = "\n\n".join(
            f"[{number}] {_title(hit, titles)}, trang {hit.chunk.page}:\n"
            f"{(hit.before + hit.chunk.text + hit.after)[:MAX_PASSAGE_CHARS]}"
            for number, hit in enumerate(hits, 1)
        )
        return await self.chat(
            INSTRUCTIONS.get(language, INSTRUCTIONS["vi"]), f"{passages}\n\nCâu hỏi / Question: {question}"
        )

    async def chat(self, system: str, user: str) -> str | None:
        """The model's reply to one system and one user message, or None on any failure."""
        body = {
            "model": self.model,
            "temperature": 0.1,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
        }
        try:
            response = await self.http.post(self.url, json=body)
            response.raise_for_status()
            text = response.json()["choices"][0]["message"]["content"]
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
            log.warning("the chat endpoint gave no answer (%s); answering extractively", exc)
            return None
        return text.strip() if isinstance(text, str) and text.strip() else None

    async def close(self) -> None:
        await self.http.aclose()


def _title(hit: SearchHit, titles: dict[int, str]) -> str:
    """A document's title; a record (transcript, conclusion, task, poll, minutes) by its kind."""
    return titles.get(hit.chunk.doc_id, "") if hit.chunk.kind == "document" else hit.chunk.kind
