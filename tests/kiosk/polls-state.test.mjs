// Attendance and polls in the live state (kiosk/js/polls-state.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { applyVotesEvent, markVoted } from "../../kiosk/js/polls-state.js";

const poll = (id, extra = {}) => ({
  id,
  agenda_item_id: 1,
  options: [
    { id: 10, votes: 0 },
    { id: 11, votes: 0 },
  ],
  ballots: [],
  ...extra,
});

test("polls are kept in id order, replaced by their updates", () => {
  const state = { me: { user_id: 7 } };
  applyVotesEvent(state, "poll.created", { poll: poll(2) });
  applyVotesEvent(state, "poll.created", { poll: poll(1) });
  applyVotesEvent(state, "poll.opened", { poll: poll(2, { status: "open" }) });
  assert.deepEqual(
    state.polls.map((p) => [p.id, p.status]),
    [
      [1, undefined],
      [2, "open"],
    ],
  );
  applyVotesEvent(state, "poll.deleted", { poll_id: 1 });
  assert.deepEqual(
    state.polls.map((p) => p.id),
    [2],
  );
});

test("an open poll's ballots: counts, voters, and my own choice", () => {
  const state = { me: { user_id: 7 } };
  applyVotesEvent(state, "poll.opened", { poll: poll(1) });
  applyVotesEvent(state, "poll.voted", {
    poll_id: 1,
    counts: { 10: 1, 11: 1 },
    voters: 2,
    ballots: [
      { user_id: 9, option_id: 11 },
      { user_id: 7, option_id: 10 },
    ],
  });
  const [open] = state.polls;
  assert.deepEqual(
    open.options.map((o) => o.votes),
    [1, 1],
  );
  assert.equal(open.voters, 2);
  assert.deepEqual(
    open.ballots.map((b) => b.user_id),
    [7, 9],
  );
  assert.equal(open.my_option_id, 10);
  assert.equal(open.voted, true);
  // the close event carries no ballots of a secret poll: what I chose is kept
  applyVotesEvent(state, "poll.closed", { poll: poll(1, { status: "closed", ballots: [] }) });
  assert.equal(state.polls[0].my_option_id, 10);
  assert.equal(state.polls[0].voted, true);
});

test("a secret ballot is marked from its receipt", () => {
  const state = { me: { user_id: 7 } };
  applyVotesEvent(state, "poll.opened", { poll: poll(1, { secret: true }) });
  assert.equal(state.polls[0].voted, false);
  markVoted(state, { poll_id: 1, option_id: null });
  assert.equal(state.polls[0].voted, true);
  assert.equal(state.polls[0].my_option_id, null);
});

test("attendance and a removed item", () => {
  const state = { me: { user_id: 7 }, polls: [poll(1)] };
  applyVotesEvent(state, "attendance.changed", { attendance: { present: 3 } });
  assert.deepEqual(state.attendance, { present: 3 });
  applyVotesEvent(state, "agenda.changed", { action: "removed", item_ids: [1] });
  assert.equal(state.polls[0].agenda_item_id, null);
});
