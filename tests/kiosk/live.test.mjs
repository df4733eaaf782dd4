// The live meeting (kiosk/js/live.js): agenda order and numbering, the events it applies itself, and the
// compressed snapshots it inflates.
import assert from "node:assert/strict";
import { test } from "node:test";

import { applyEvent, inflate, numberedAgenda, sortAgenda } from "../../kiosk/js/live.js";

const item = (id, position, parent_id = null, extra = {}) => ({ id, position, parent_id, status: "pending", ...extra });

function meetingState() {
  return {
    meeting: { id: 1, status: "live", current_item_id: 10 },
    current_item_id: 10,
    agenda: [item(10, 0, null, { status: "current", version: 1 }), item(11, 1), item(12, 0, 11)],
    documents: [{ id: 5, agenda_item_id: 11 }],
    participants: [{ id: 1, user_id: 1 }],
    presenting: { document_id: 5, page: 2 },
    polls: [],
    floor: { queue: [], speaking: null },
    opinions: { requests: [], counts: [] },
    my_notes: [],
    conclusions: [],
    tasks: [],
  };
}

test("sortAgenda puts children under their parent and orphans last", () => {
  const ordered = sortAgenda([item(3, 0, 1), item(2, 1), item(1, 0), item(4, 0, 99)]);
  assert.deepEqual(
    ordered.map((i) => i.id),
    [1, 3, 2, 4],
  );
});

test("numberedAgenda numbers top items and sub-items", () => {
  const numbered = numberedAgenda([item(1, 0), item(2, 1), item(3, 0, 2), item(4, 1, 2)]);
  assert.deepEqual(
    numbered.map((n) => [n.item.id, n.number, n.depth]),
    [
      [1, "1", 0],
      [2, "2", 0],
      [3, "2.1", 1],
      [4, "2.2", 1],
    ],
  );
});

test("agenda.current marks the previous item done and the new one current", () => {
  const state = applyEvent(meetingState(), "agenda.current", {
    item_id: 11,
    item_version: 4,
    previous_item_id: 10,
    previous_item_version: 2,
  });
  assert.equal(state.current_item_id, 11);
  assert.equal(state.meeting.current_item_id, 11);
  assert.deepEqual(
    state.agenda.find((i) => i.id === 10),
    item(10, 0, null, { status: "done", version: 2 }),
  );
  assert.equal(state.agenda.find((i) => i.id === 11).status, "current");
});

test("removing an item sets its documents loose; reordering moves it", () => {
  let state = applyEvent(meetingState(), "agenda.changed", {
    action: "reordered",
    parent_id: null,
    item_ids: [11, 10],
  });
  assert.deepEqual(
    state.agenda.map((i) => i.id),
    [11, 12, 10],
  );
  state = applyEvent(state, "agenda.changed", { action: "removed", item_ids: [11, 12] });
  assert.deepEqual(
    state.agenda.map((i) => i.id),
    [10],
  );
  assert.equal(state.documents[0].agenda_item_id, null);
});

test("documents are upserted in id order; removing the presented one stops the presentation", () => {
  let state = applyEvent(meetingState(), "document.added", { document: { id: 3, agenda_item_id: null } });
  state = applyEvent(state, "document.ready", { document: { id: 5, status: "ready" } });
  assert.deepEqual(
    state.documents.map((d) => d.id),
    [3, 5],
  );
  assert.equal(state.documents[1].agenda_item_id, 11, "an update keeps the fields it does not carry");
  state = applyEvent(state, "document.removed", { document_id: 5 });
  assert.deepEqual(state.presenting, { document_id: null, page: null });
});

test("meeting.status, present and participant changes", () => {
  let state = applyEvent(meetingState(), "meeting.status", {
    status: "closed",
    started_at: "s",
    closed_at: "c",
    version: 3,
  });
  assert.equal(state.meeting.status, "closed");
  state = applyEvent(state, "present", { document_id: 5 });
  assert.deepEqual(state.presenting, { document_id: 5, page: 1 });
  state = applyEvent(state, "participant.changed", { action: "added", participant: { id: 2, user_id: 7 } });
  state = applyEvent(state, "participant.changed", { action: "removed", participant: { id: 1 } });
  assert.deepEqual(state.participants, [{ id: 2, user_id: 7 }]);
});

test("unknown events leave the state as it was", () => {
  const before = meetingState();
  assert.deepEqual(applyEvent(meetingState(), "no.such.event", {}), before);
});

test("a compressed snapshot inflates to its text: a head compressed once, then the viewer's own part", async () => {
  const { deflateRawSync, constants } = await import("node:zlib");
  const head = `{"type":"snapshot","seq":7,"state":{"participants":[${'{"full_name":"Nguyễn Văn An"},'.repeat(500)}{}],`;
  const tail = '"me":{"user_id":3}}}';
  // as the server sends it: the shared head ends on a sync flush (no last block), the tail is a stream of its own
  const frame = Buffer.concat([
    deflateRawSync(Buffer.from(head), { finishFlush: constants.Z_SYNC_FLUSH }),
    deflateRawSync(Buffer.from(tail)),
  ]);
  assert.ok(frame.length < (head.length + tail.length) / 10);
  const text = await inflate(frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength));
  assert.equal(text, head + tail);
  assert.equal(JSON.parse(text).state.participants.length, 501);
});
