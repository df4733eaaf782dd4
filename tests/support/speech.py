"""Real speech for the speech-to-text tests: espeak-ng speaks English sentences to WAV, and word error rate.

The WAV files are made by each test in its own temp directory; nothing is shipped.
"""

from __future__ import annotations

import io
import re
import subprocess
import time
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SENTENCES = [
    "The council approved the new budget for public parks.",
    "We will repair the bridge on the river road next month.",
    "The school on the north side needs three more teachers.",
    "Please send the traffic report to every district office.",
    "The water company must fix the broken pipes before winter.",
    "Bus tickets will cost less for students and older people.",
    "The city library will open on Sunday mornings from June.",
    "Each district must plant one thousand trees this year.",
]


@dataclass(frozen=True)
class Spoken:
    """A WAV file and what is said in it: each sentence with its start and end in milliseconds."""

    path: Path
    sentences: list[tuple[str, int, int]]

    @property
    def duration_ms(self) -> int:
        return self.sentences[-1][2]


def speak(text: str, path: Path, words_per_minute: int = 150) -> Path:
    """espeak-ng's English voice saying ``text``, as a WAV file at ``path``."""
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", str(words_per_minute), "-w", str(path), text], check=True)
    return path


def conversation(folder: Path, sentences: list[str], pause_ms: int = 1500, name: str = "meeting.wav") -> Spoken:
    """The sentences spoken one after another with ``pause_ms`` of silence between them, in one WAV file."""
    frames: list[bytes] = []
    timed: list[tuple[str, int, int]] = []
    params = None
    position_ms = 0
    for index, sentence in enumerate(sentences):
        with wave.open(str(speak(sentence, folder / f"sentence-{index}.wav")), "rb") as part:
            params = part.getparams()
            audio = part.readframes(part.getnframes())
        length_ms = len(audio) * 1000 // (params.framerate * params.sampwidth * params.nchannels)
        timed.append((sentence, position_ms, position_ms + length_ms))
        silence = bytes(params.framerate * pause_ms // 1000 * params.sampwidth * params.nchannels)
        frames += [audio, silence]
        position_ms += length_ms + pause_ms
    assert params is not None
    path = folder / name
    with wave.open(str(path), "wb") as out:
        out.setnchannels(params.nchannels)
        out.setsampwidth(params.sampwidth)
        out.setframerate(params.framerate)
        out.writeframes(b"".join(frames))
    return Spoken(path, timed)


def words(text: str) -> list[str]:
    """Lower-case words without punctuation; numbers written as digits are kept as they are."""
    return re.findall(r"[a-z0-9']+", text.lower())


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / words in ``reference``: the edit distance over words."""
    ref, hyp = words(reference), words(hypothesis)
    previous = list(range(len(hyp) + 1))
    for i, ref_word in enumerate(ref, start=1):
        current = [i] + [0] * len(hyp)
        for j, hyp_word in enumerate(hyp, start=1):
            current[j] = min(
                previous[j] + 1,  # deletion
                current[j - 1] + 1,  # insertion
                previous[j - 1] + (ref_word != hyp_word),  # substitution or match
            )
        previous = current
    return previous[-1] / max(len(ref), 1)


def silence_wav(seconds: float = 0.5, rate: int = 16_000) -> bytes:
    """A valid WAV file of silence: audio, with no speech to transcribe."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(int(rate * seconds) * 2))
    return buffer.getvalue()


def wait_transcribed(
    client: Any, meeting_id: int, recording_id: int, attempts: int = 6000, every: float = 0.05
) -> dict[str, Any]:
    """The recording once its transcription has ended (done or failed), asked every ``every`` seconds; the
    model loads on first use."""
    for _ in range(attempts):
        recording: dict[str, Any] = client.ok("GET", f"/api/meetings/{meeting_id}/recordings/{recording_id}")
        if recording["status"] in ("done", "failed"):
            return recording
        time.sleep(every)
    raise AssertionError(f"recording {recording_id} still {recording['status']}")


def pcm16k(wav: Path) -> bytes:
    """The WAV file as a microphone sends it live: 16 kHz mono 16-bit little-endian PCM (ffmpeg converts)."""
    result = subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", str(wav), "-ar", "16000", "-ac", "1", "-f", "s16le", "-"],
        check=True,
        capture_output=True,
    )
    return result.stdout
