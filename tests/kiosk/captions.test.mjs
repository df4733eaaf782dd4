// Live captions (kiosk/js/captions.js): which lines a strip shows as `transcript.turn_added` events arrive.
import assert from "node:assert/strict";
import { test } from "node:test";

import { addCaption, CAPTION_LINES } from "../../kiosk/js/captions.js";

const turnAdded = (id, text, speaker = "Chủ tọa") => ({
  name: "transcript.turn_added",
  data: { transcript_id: 7, turn: { id, position: id - 1, speaker, text, start_ms: 0, end_ms: 1000 } },
});

test("a strip keeps the last two turns, newest last", () => {
  const lines = [turnAdded(1, "One."), turnAdded(2, "Two."), turnAdded(3, "Three.")].reduce(
    (shown, event) => addCaption(shown, event),
    [],
  );
  assert.equal(CAPTION_LINES, 2);
  assert.deepEqual(
    lines.map((line) => line.text),
    ["Two.", "Three."],
  );
  assert.equal(lines[1].speaker, "Chủ tọa");
});

test("other events, empty text and a turn already shown change nothing", () => {
  const lines = addCaption([], turnAdded(1, "  Hello.  "));
  assert.deepEqual(lines, [{ id: 1, speaker: "Chủ tọa", text: "Hello." }]);
  assert.equal(addCaption(lines, turnAdded(1, "Hello.")), lines); // a resume replays it
  assert.equal(addCaption(lines, turnAdded(2, "   ")), lines);
  assert.equal(addCaption(lines, { name: "transcript.turn", data: { turn: { id: 3, text: "edited" } } }), lines);
  assert.equal(addCaption(lines, null), lines); // a snapshot
});
