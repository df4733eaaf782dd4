"""Speech to text on a transcription server of the organisation's network, OpenAI-compatible.

``POST {base_url}/audio/transcriptions`` with a multipart form: ``file`` (a 16 kHz mono WAV), ``model``,
``response_format=verbose_json`` (and ``language`` when one is asked for); the answer's ``segments`` carry
``start``, ``end`` (seconds) and ``text``. Servers that speak this: faster-whisper-server / speaches,
whisper.cpp's server, vLLM, LocalAI, and OpenAI itself. The key travels as ``Authorization: Bearer`` and is
never part of an error message.

The same two calls as the local `assistant.speech.Transcriber`: ``segments(path, start_ms)`` for a whole
recording, sent in pieces cut at pauses (at most ``PIECE_MS`` each, so no request carries an hour), and
``transcribe(samples, start_ms)`` for one live window.
"""

from __future__ import annotations

import io
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assistant.speech import SAMPLE_RATE, SpeechSegment

PIECE_MS = 5 * 60_000
"""A recording goes to the server in pieces of at most this much sound, each cut in a pause."""


class RemoteSpeechError(Exception):
    """The transcription server refused a request (its status, never the key): this audio fails."""


class SpeechServerUnavailable(RemoteSpeechError):
    """The transcription server did not answer, or answered 5xx/429: the work waits and is tried again."""


def samples_to_wav(samples: Any) -> bytes:
    """Float32 samples in [-1, 1) (16 kHz mono) as a 16-bit PCM WAV file."""
    import numpy as np

    pcm = (np.clip(samples, -1.0, 32767 / 32768) * 32768).astype("<i2").tobytes()
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(pcm)
    return out.getvalue()


def pieces(samples: Any, piece_ms: int = PIECE_MS) -> list[tuple[int, int]]:
    """``(start, end)`` sample ranges covering the speech in ``samples``, each at most ``piece_ms`` long
    (unless one stretch of speech alone is longer), cut between stretches of speech (Silero VAD)."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps  # type: ignore[import-untyped]

    limit = piece_ms * SAMPLE_RATE // 1000
    found: list[tuple[int, int]] = []
    for stretch in get_speech_timestamps(samples, VadOptions(min_silence_duration_ms=500, speech_pad_ms=200)):
        start, end = int(stretch["start"]), int(stretch["end"])
        if found and end - found[-1][0] <= limit:
            found[-1] = (found[-1][0], end)
        else:
            found.append((start, end))
    return found


class RemoteTranscriber:
    """A client of one OpenAI-compatible transcription endpoint; blocking calls, for a worker thread."""

    multilingual = True
    """The server's model decides which languages it knows; a language asked for is passed on."""

    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout: float = 300.0) -> None:
        """``base_url`` up to and including ``/v1`` (``http://asr.example.internal:8000/v1``)."""
        import httpx

        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.url = base_url.rstrip("/") + "/audio/transcriptions"
        self.model = model
        self._client = httpx.Client(headers=headers, timeout=timeout)

    def close(self) -> None:
        self._client.close()

    def segments(self, path: Path, start_ms: int = 0, language: str | None = None) -> Iterator[SpeechSegment]:
        """The speech in ``path`` from ``start_ms`` on, piece by piece as the server answers (blocking)."""
        from faster_whisper.audio import decode_audio  # type: ignore[import-untyped]

        audio: Any = decode_audio(str(path), sampling_rate=SAMPLE_RATE)
        offset = start_ms * SAMPLE_RATE // 1000
        if offset >= len(audio):
            return
        audio = audio[offset:]
        for start, end in pieces(audio):
            yield from self.transcribe(audio[start:end], start_ms + start * 1000 // SAMPLE_RATE, language)

    def transcribe(self, samples: Any, start_ms: int = 0, language: str | None = None) -> list[SpeechSegment]:
        """The speech in one window of ``samples`` (16 kHz mono float32), timed from ``start_ms``."""
        import httpx

        form = {"model": self.model, "response_format": "verbose_json"}
        if language:
            form["language"] = language
        files = {"file": ("audio.wav", samples_to_wav(samples), "audio/wav")}
        try:
            response = self._client.post(self.url, data=form, files=files)
        except httpx.HTTPError as exc:
            reason = type(exc).__name__
            raise SpeechServerUnavailable(f"the transcription server at {self.url} did not answer: {reason}") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise SpeechServerUnavailable(f"the transcription server at {self.url} answered {response.status_code}")
        if response.status_code != 200:
            raise RemoteSpeechError(f"the transcription server at {self.url} answered {response.status_code}")
        body = response.json()
        window_ms = len(samples) * 1000 // SAMPLE_RATE
        found = []
        for segment in body.get("segments") or []:
            text = str(segment.get("text", "")).strip()
            if text:
                found.append(
                    SpeechSegment(
                        start_ms=start_ms + round(float(segment.get("start", 0.0)) * 1000),
                        end_ms=start_ms + min(window_ms, round(float(segment.get("end", 0.0)) * 1000)),
                        text=text,
                    )
                )
        if not found and str(body.get("text", "")).strip():  # a server that gives the text alone
            found.append(SpeechSegment(start_ms, start_ms + window_ms, str(body["text"]).strip()))
        return found
