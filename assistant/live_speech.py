"""Live captions: where in a growing capture the speech heard so far is settled enough to transcribe.

A live capture grows by a chunk a second. Transcribing all of it again each time would cost more with every
minute; transcribing each chunk alone would cut words in half. Instead voice activity detection (Silero, as
faster-whisper ships it) finds the stretches of speech in what has not been transcribed yet, and the audio is
cut after the last stretch that silence has closed: what is before the cut is transcribed once, and never
again; what is after it waits for more sound. A speaker who does not pause is cut at ``MAX_WINDOW_MS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.speech import SAMPLE_RATE

MIN_SILENCE_MS = 500
"""A pause this long ends a stretch of speech (a sentence, or a breath between clauses)."""
PAD_MS = 200
"""Sound kept on either side of a stretch of speech, so its first and last syllables are heard whole."""
MAX_WINDOW_MS = 12_000
"""Speech that goes on longer than this without a pause is transcribed anyway, cut at the end of what came."""
SILENCE_SKIP_MS = 4_000
"""Pending sound with no speech at all, longer than this, is passed over (all but its last second)."""


@dataclass(frozen=True)
class Cut:
    """How much of the pending sound to take now (``end_ms``), and whether it holds speech to transcribe."""

    end_ms: int
    speech: bool


def settled_cut(samples: Any) -> Cut | None:
    """Where to cut ``samples`` (16 kHz mono float32, the sound not yet transcribed): after the last stretch
    of speech that a pause has closed; None to wait for more sound."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps  # type: ignore[import-untyped]

    total_ms = len(samples) * 1000 // SAMPLE_RATE
    options = VadOptions(min_silence_duration_ms=MIN_SILENCE_MS, speech_pad_ms=PAD_MS)
    stretches = get_speech_timestamps(samples, options)
    if not stretches:
        return Cut(end_ms=total_ms - 1000, speech=False) if total_ms > SILENCE_SKIP_MS else None
    closed_before_ms = total_ms - MIN_SILENCE_MS
    closed = [s for s in stretches if s["end"] * 1000 // SAMPLE_RATE <= closed_before_ms]
    if closed:
        return Cut(end_ms=min(total_ms, closed[-1]["end"] * 1000 // SAMPLE_RATE), speech=True)  # padded already
    if total_ms - stretches[0]["start"] * 1000 // SAMPLE_RATE >= MAX_WINDOW_MS:
        return Cut(end_ms=total_ms, speech=True)
    return None
