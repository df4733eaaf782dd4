// The console's recordings panel (kiosk/js/recordings.js): recordings merged from the API and events, and
// what each one's status line tells.
import assert from "node:assert/strict";
import { test } from "node:test";

import { mergeRecording, recordingProgress } from "../../kiosk/js/recordings.js";

test("an event replaces the recording it names and keeps the others", () => {
  const listed = [
    { id: 1, status: "done" },
    { id: 2, status: "queued" },
  ].reduce(mergeRecording, new Map());
  const changed = mergeRecording(listed, { id: 2, status: "transcribing", progress_ms: 1000 });
  assert.deepEqual(
    [...changed.values()].map((r) => [r.id, r.status]),
    [
      [1, "done"],
      [2, "transcribing"],
    ],
  );
  assert.equal(listed.get(2).status, "queued", "the earlier map is left as it was");
});

test("a transcription in progress shows how far it got of how long", () => {
  const recording = { status: "transcribing", progress_ms: 90_500, duration_ms: 3_600_000 };
  assert.deepEqual(recordingProgress(recording), { key: "transcribing", done: "00:01:30", total: "01:00:00" });
  assert.deepEqual(recordingProgress({ status: "transcribing", progress_ms: 0, duration_ms: null }), {
    key: "transcribing",
  });
});

test("a failure carries its reason; other states only their name", () => {
  assert.deepEqual(recordingProgress({ status: "failed", error: "decoder" }), { key: "failed", error: "decoder" });
  assert.deepEqual(recordingProgress({ status: "queued" }), { key: "queued" });
  assert.deepEqual(recordingProgress({ status: "done" }), { key: "done" });
});

test("the microphone's float samples become little-endian 16-bit PCM, clipped", async () => {
  const { pcm16 } = await import("../../kiosk/js/capture.js");
  const bytes = new DataView(pcm16([new Float32Array([0, 1, -1]), new Float32Array([0.5, 2, -3])]));
  assert.equal(bytes.byteLength, 12);
  assert.deepEqual(
    [0, 2, 4, 6, 8, 10].map((offset) => bytes.getInt16(offset, true)),
    [0, 32767, -32768, 16383, 32767, -32768],
  );
});

test("recording.live turns every screen's red dot on and off", async () => {
  const { applyEvent } = await import("../../kiosk/js/live.js");
  const state = { meeting: {}, agenda: [], documents: [], participants: [], recording: { capturing: false } };
  applyEvent(state, "recording.live", { capturing: true });
  assert.deepEqual(state.recording, { capturing: true });
  applyEvent(state, "recording.live", { capturing: false });
  assert.deepEqual(state.recording, { capturing: false });
});
