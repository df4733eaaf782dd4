// Attendance and polls in the live state: the rules of docs/sync-protocol.md
// ("Attendance and polls"), applied by live.js's reducer after its own.

const PER_USER = ["my_option_id", "voted"];

function mineFrom(poll, me) {
  const ballot = (poll.ballots || []).find((b) => b.user_id === me);
  return ballot ? ballot.option_id : null;
}

/** Apply an attendance or poll event to `state` (mutated). Other events are ignored. */
export function applyVotesEvent(state, name, data) {
  const me = state.me ? state.me.user_id : null;
  state.polls = state.polls || [];
  const index = (id) => state.polls.findIndex((poll) => poll.id === id);
  switch (name) {
    case "attendance.changed":
      state.attendance = data.attendance;
      break;
    case "poll.created":
    case "poll.updated":
    case "poll.opened":
    case "poll.closed": {
      const poll = { ...data.poll };
      const at = index(poll.id);
      const previous = at >= 0 ? state.polls[at] : {};
      const mine = mineFrom(poll, me);
      poll.my_option_id = mine ?? previous.my_option_id ?? null;
      poll.voted = Boolean(previous.voted) || mine !== null;
      if (at >= 0) state.polls[at] = poll;
      else state.polls.push(poll);
      break;
    }
    case "poll.deleted":
      state.polls = state.polls.filter((poll) => poll.id !== data.poll_id);
      break;
    case "poll.voted": {
      const poll = state.polls[index(data.poll_id)];
      if (!poll) break;
      for (const option of poll.options) {
        const count = data.counts[String(option.id)];
        if (count !== undefined) option.votes = count;
      }
      poll.voters = data.voters;
      const ballots = new Map((poll.ballots || []).map((b) => [b.user_id, b]));
      for (const ballot of data.ballots || []) {
        ballots.set(ballot.user_id, ballot);
        if (ballot.user_id === me) {
          poll.my_option_id = ballot.option_id;
          poll.voted = true;
        }
      }
      poll.ballots = [...ballots.values()].sort((a, b) => a.user_id - b.user_id);
      break;
    }
    case "agenda.changed":
      if (data.action === "removed") {
        const removed = new Set(data.item_ids || []);
        for (const poll of state.polls) if (removed.has(poll.agenda_item_id)) poll.agenda_item_id = null;
      }
      break;
    default:
      return state;
  }
  state.polls.sort((a, b) => a.id - b.id);
  return state;
}

/** After my own ballot was accepted: a secret poll's events never say who voted, so the answer does. */
export function markVoted(state, receipt) {
  const poll = (state.polls || []).find((candidate) => candidate.id === receipt.poll_id);
  if (!poll) return;
  poll.voted = true;
  if (receipt.option_id != null) poll.my_option_id = receipt.option_id;
}

export { PER_USER };
