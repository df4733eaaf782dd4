"""An OpenAI-compatible chat endpoint on 127.0.0.1 standing in for a local model (none can run here)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class ChatLog:
    """What the endpoint was sent, and whether it fails (HTTP 500) from now on."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail = False

    @property
    def last_prompt(self) -> str:
        return str(self.requests[-1]["body"]["messages"][1]["content"])


@contextmanager
def chat_endpoint(reply: Callable[[str], str]) -> Iterator[tuple[str, ChatLog]]:
    """Serve ``POST /v1/chat/completions`` answering ``reply(user message)``; yields the base URL and the log."""
    log = ChatLog()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            log.requests.append({"path": self.path, "body": body})
            if log.fail:
                self.send_response(500)
                self.end_headers()
                return
            content = reply(body["messages"][1]["content"])
            data = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", log
    finally:
        server.shutdown()
        server.server_close()
