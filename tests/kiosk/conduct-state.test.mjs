// The floor, opinions, notes, conclusions, tasks and minutes in the live state (kiosk/js/conduct-state.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { applyConductEvent, clockText, isOverdue, secondsLeft } from "../../kiosk/js/conduct-state.js";

function state() {
  return {
    floor: { queue: [], speaking: null },
    opinions: { requests: [], counts: [] },
    my_notes: [],
    conclusions: [],
    tasks: [],
  };
}

const request = (id, position, agenda_item_id = 1) => ({ id, position, agenda_item_id });

test("the speaker queue: requested, reordered, started, ended", () => {
  const s = state();
  applyConductEvent(s, "speaker.requested", { request: request(1, 0) });
  applyConductEvent(s, "speaker.requested", { request: request(2, 1) });
  applyConductEvent(s, "speaker.requested", { request: request(1, 0) });
  assert.deepEqual(
    s.floor.queue.map((r) => r.id),
    [1, 2],
    "a repeated event is applied once",
  );
  applyConductEvent(s, "speaker.reordered", { request_ids: [2, 1] });
  assert.deepEqual(
    s.floor.queue.map((r) => r.id),
    [2, 1],
  );
  applyConductEvent(s, "speaker.started", { request: request(2, 0) });
  assert.equal(s.floor.speaking.id, 2);
  assert.deepEqual(
    s.floor.queue.map((r) => r.id),
    [1],
  );
  applyConductEvent(s, "speaker.ended", { request_id: 99 });
  assert.equal(s.floor.speaking.id, 2, "another speech's end leaves the speaker");
  applyConductEvent(s, "speaker.ended", { request_id: 2 });
  assert.equal(s.floor.speaking, null);
  applyConductEvent(s, "speaker.withdrawn", { request_id: 1 });
  assert.deepEqual(s.floor.queue, []);
});

test("conclusions, notes, tasks and minutes", () => {
  const s = state();
  applyConductEvent(s, "conclusion.set", { agenda_item_id: 2, conclusion: { agenda_item_id: 2, text: "a" } });
  applyConductEvent(s, "conclusion.set", { agenda_item_id: 1, conclusion: { agenda_item_id: 1, text: "b" } });
  assert.deepEqual(
    s.conclusions.map((c) => c.agenda_item_id),
    [1, 2],
  );
  applyConductEvent(s, "conclusion.set", { agenda_item_id: 2, conclusion: null });
  assert.deepEqual(
    s.conclusions.map((c) => c.text),
    ["b"],
  );
  applyConductEvent(s, "note.changed", { document_id: 4, count: 2 });
  applyConductEvent(s, "note.changed", { document_id: 4, count: 0 });
  assert.deepEqual(s.my_notes, []);
  applyConductEvent(s, "task.created", { task: { id: 3, title: "x" } });
  applyConductEvent(s, "task.updated", { task: { id: 3, title: "y" } });
  assert.deepEqual(s.tasks, [{ id: 3, title: "y" }]);
  applyConductEvent(s, "task.deleted", { task_id: 3 });
  assert.deepEqual(s.tasks, []);
  applyConductEvent(s, "minutes.updated", { status: "draft", version: 4, extra: 1 });
  assert.deepEqual(s.minutes, { status: "draft", version: 4 });
});

test("opinions and a removed item or document", () => {
  const s = state();
  applyConductEvent(s, "opinion.requested", { request: { id: 1, document_id: 7, agenda_item_id: 2 } });
  applyConductEvent(s, "opinion.added", { target: "d7", document_id: 7, agenda_item_id: 2, counts: { agree: 1 } });
  applyConductEvent(s, "speaker.requested", { request: request(5, 0, 2) });
  applyConductEvent(s, "task.created", { task: { id: 1, agenda_item_id: 2 } });
  applyConductEvent(s, "agenda.changed", { action: "removed", item_ids: [2] });
  assert.equal(s.floor.queue[0].agenda_item_id, null);
  assert.equal(s.tasks[0].agenda_item_id, null);
  assert.deepEqual(s.opinions, { requests: [], counts: [] });
  applyConductEvent(s, "opinion.requested", { request: { id: 2, document_id: 8 } });
  applyConductEvent(s, "note.changed", { document_id: 8, count: 1 });
  applyConductEvent(s, "document.removed", { document_id: 8 });
  assert.deepEqual(s.opinions.requests, []);
  assert.deepEqual(s.my_notes, []);
});

test("a state without the floor (a projector) is left alone", () => {
  assert.deepEqual(applyConductEvent({}, "speaker.requested", { request: request(1, 0) }), {});
});

test("speech clock and overdue tasks", () => {
  const started = "2026-12-06T10:00:00Z";
  assert.equal(secondsLeft({ limit_seconds: 120, started_at: started }, Date.parse(started) + 30_000), 90);
  assert.equal(secondsLeft({ limit_seconds: null, started_at: started }), null);
  assert.equal(clockText(245), "4:05");
  assert.equal(clockText(-12), "-0:12");
  const today = new Date(2026, 11, 21);
  assert.equal(isOverdue({ deadline: "2026-12-20", status: "open" }, today), true);
  assert.equal(isOverdue({ deadline: "2026-12-21", status: "open" }, today), false);
  assert.equal(isOverdue({ deadline: "2026-12-20", status: "done" }, today), false);
});
