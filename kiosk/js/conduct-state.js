// The floor, written opinions, private notes, conclusions and tasks in the live
// state: the rules of docs/sync-protocol.md, applied by live.js's reducer after
// its own (tests/support/conduct_state.py applies the same rules in Python).

const byPosition = (a, b) => a.position - b.position || a.id - b.id;
const by = (key) => (a, b) => (a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : 0);

function replaceIn(list, record, key, sortKey = key) {
  return [...list.filter((entry) => entry[key] !== record[key]), record].sort(by(sortKey));
}

/** Apply one event to `state` (mutated). Events of other parts are ignored. */
export function applyConductEvent(state, name, data) {
  if (!state.floor) return state;
  const floor = state.floor;
  const opinions = state.opinions;
  switch (name) {
    case "speaker.requested":
      floor.queue = [...floor.queue.filter((r) => r.id !== data.request.id), data.request].sort(byPosition);
      break;
    case "speaker.withdrawn":
    case "speaker.removed":
      floor.queue = floor.queue.filter((r) => r.id !== data.request_id);
      break;
    case "speaker.lapsed":
      floor.queue = floor.queue.filter((r) => !data.request_ids.includes(r.id));
      break;
    case "speaker.started":
      floor.queue = floor.queue.filter((r) => r.id !== data.request.id);
      floor.speaking = data.request;
      break;
    case "speaker.ended":
      if (floor.speaking && floor.speaking.id === data.request_id) floor.speaking = null;
      break;
    case "speaker.reordered":
      (data.request_ids || []).forEach((id, index) => {
        const request = floor.queue.find((r) => r.id === id);
        if (request) request.position = index;
      });
      floor.queue.sort(byPosition);
      break;
    case "opinion.requested":
      opinions.requests = replaceIn(opinions.requests, data.request, "id");
      break;
    case "opinion.added":
      opinions.counts = replaceIn(
        opinions.counts,
        {
          target: data.target,
          document_id: data.document_id,
          agenda_item_id: data.agenda_item_id,
          ...data.counts,
        },
        "target",
      );
      break;
    case "note.changed":
      state.my_notes = state.my_notes.filter((n) => n.document_id !== data.document_id);
      if (data.count)
        state.my_notes = replaceIn(state.my_notes, { document_id: data.document_id, count: data.count }, "document_id");
      break;
    case "conclusion.set":
      state.conclusions = state.conclusions.filter((c) => c.agenda_item_id !== data.agenda_item_id);
      if (data.conclusion) state.conclusions = replaceIn(state.conclusions, data.conclusion, "agenda_item_id");
      break;
    case "minutes.updated":
      state.minutes = { status: data.status, version: data.version };
      break;
    case "task.created":
    case "task.updated":
      state.tasks = replaceIn(state.tasks, data.task, "id");
      break;
    case "task.deleted":
      state.tasks = state.tasks.filter((task) => task.id !== data.task_id);
      break;
    case "agenda.changed":
      if (data.action === "removed") forgetItems(state, new Set(data.item_ids || []));
      break;
    case "document.removed": {
      const gone = data.document_id;
      opinions.requests = opinions.requests.filter((r) => r.document_id !== gone);
      opinions.counts = opinions.counts.filter((c) => c.document_id !== gone);
      state.my_notes = state.my_notes.filter((n) => n.document_id !== gone);
      break;
    }
    default:
      break;
  }
  return state;
}

function forgetItems(state, removed) {
  const { floor, opinions } = state;
  for (const request of [...floor.queue, ...(floor.speaking ? [floor.speaking] : [])]) {
    if (removed.has(request.agenda_item_id)) request.agenda_item_id = null;
  }
  for (const task of state.tasks) if (removed.has(task.agenda_item_id)) task.agenda_item_id = null;
  state.conclusions = state.conclusions.filter((c) => !removed.has(c.agenda_item_id));
  opinions.requests = opinions.requests.filter((r) => !removed.has(r.agenda_item_id));
  opinions.counts = opinions.counts.filter((c) => !removed.has(c.agenda_item_id));
}

/** Seconds left of the running speech (negative: over time), or null without a limit. */
export function secondsLeft(speech, now = Date.now()) {
  if (!speech || speech.limit_seconds == null || !speech.started_at) return null;
  return Math.round(speech.limit_seconds - (now - Date.parse(speech.started_at)) / 1000);
}

/** "4:05", "-0:12". */
export function clockText(seconds) {
  const sign = seconds < 0 ? "-" : "";
  const total = Math.abs(seconds);
  return `${sign}${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
}

/** A task is overdue when open or in progress past its deadline (the calendar, not the server, decides). */
export function isOverdue(task, today = new Date()) {
  if (!task.deadline || !["open", "in_progress"].includes(task.status)) return false;
  const local = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, "0")}-${String(today.getDate()).padStart(2, "0")}`;
  return task.deadline < local;
}
