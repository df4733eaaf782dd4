"""The remote engine's failures: a server that does not answer is a wait (the work is tried again), and no
error carries the key. Its successes run against a real server in tests/e2e/test_remote_asr.py."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.remote_speech import RemoteSpeechError, RemoteTranscriber, SpeechServerUnavailable, pieces
from tests.support.server import free_port


def test_a_server_that_does_not_answer_is_unavailable_and_the_key_stays_out_of_the_error() -> None:
    engine = RemoteTranscriber(f"http://127.0.0.1:{free_port()}/v1", "whisper-1", "sk-secret-key", timeout=2)
    with pytest.raises(SpeechServerUnavailable) as failed:
        engine.transcribe(np.zeros(16_000, dtype=np.float32))
    assert isinstance(failed.value, RemoteSpeechError)
    assert "sk-secret-key" not in str(failed.value)
    engine.close()


def test_silence_is_sent_in_no_piece() -> None:
    assert pieces(np.zeros(16_000 * 5, dtype=np.float32)) == []
