// The live meeting: one websocket, the state it keeps up to date, and the
// reducer that applies the server's events (docs/sync-protocol.md).
//
// The reducer is pure data-in/data-out and exported on its own, so the same
// rules run in every page and can be checked against a fresh snapshot.

import { applyConductEvent } from "./conduct-state.js";
import { applyVotesEvent } from "./polls-state.js";

// A room's tablets lose the server together (its Wi-Fi blinks, a server restarts): their first retries are
// spread over RETRY_MIN_MS..RETRY_FIRST_MS so the server does not take them in one instant, and no tablet
// ever waits more than RETRY_MAX_MS between tries: a server back from a restart has the whole room again within
// about that (bench/restart.py), and a try at a server still down is a refused connection, nothing to it.
export const RETRY_MIN_MS = 250;
export const RETRY_FIRST_MS = 1500;
export const RETRY_MAX_MS = 2500;
// the network coming back reaches every tablet of a room at once too: spread the retries it wakes
export const WAKE_SPREAD_MS = 750;
// the server pings every ~20 s; silence this long means a half-open socket
const SILENCE_PING_MS = 30000;
const SILENCE_DROP_MS = 40000;

export const CLOSE_EXPIRED = 4401;
export const CLOSE_REMOVED = 4403;
export const CLOSE_GONE = 4404;
// the user's system role changed: reconnect, and be checked (and sent a snapshot) under the new one
export const CLOSE_RIGHTS = 4409;
export const CLOSE_TOO_MANY = 4429;

/** Whether this browser can inflate raw DEFLATE: it then asks for its snapshots compressed (docs/sync-protocol.md). */
const CAN_INFLATE = typeof DecompressionStream === "function";

/** The text of a compressed snapshot: one binary frame of raw DEFLATE holding the message's UTF-8 JSON. */
export async function inflate(buffer) {
  const stream = new Blob([buffer]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return new Response(stream).text();
}

const byPositionThenId = (a, b) => a.position - b.position || a.id - b.id;

/** Milliseconds before retry number `attempt` (0 first): uniform up to a ceiling that doubles each attempt. */
export function retryDelay(attempt, random = Math.random) {
  const ceiling = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** attempt);
  return RETRY_MIN_MS + random() * (ceiling - RETRY_MIN_MS);
}

/** Milliseconds before the retry the network's return wakes (every tablet of a room hears it together). */
export function wakeDelay(random = Math.random) {
  return random() * WAKE_SPREAD_MS;
}

/** Items in reading order: top level by position then id, each followed by its children. */
export function sortAgenda(items) {
  const top = items.filter((item) => item.parent_id == null).sort(byPositionThenId);
  const topIds = new Set(top.map((item) => item.id));
  const children = new Map();
  const orphans = [];
  for (const item of items) {
    if (item.parent_id == null) continue;
    if (!topIds.has(item.parent_id)) {
      orphans.push(item);
      continue;
    }
    if (!children.has(item.parent_id)) children.set(item.parent_id, []);
    children.get(item.parent_id).push(item);
  }
  const ordered = [];
  for (const item of top) {
    ordered.push(item);
    ordered.push(...(children.get(item.id) || []).sort(byPositionThenId));
  }
  return ordered.concat(orphans.sort(byPositionThenId));
}

/** Reading order with display numbers ("2", "2.1") and depth. */
export function numberedAgenda(items) {
  const ordered = sortAgenda(items);
  const numbers = new Map();
  let top = 0;
  const subCounts = new Map();
  for (const item of ordered) {
    if (item.parent_id == null || !numbers.has(item.parent_id)) {
      top += 1;
      numbers.set(item.id, String(top));
    } else {
      const count = (subCounts.get(item.parent_id) || 0) + 1;
      subCounts.set(item.parent_id, count);
      numbers.set(item.id, `${numbers.get(item.parent_id)}.${count}`);
    }
  }
  return ordered.map((item) => ({ item, number: numbers.get(item.id), depth: item.parent_id == null ? 0 : 1 }));
}

const byId = (a, b) => a.id - b.id;
const NOT_PRESENTING = () => ({ document_id: null, page: null });

function clone(value) {
  return JSON.parse(JSON.stringify(value));
}

function upsert(list, record) {
  const index = list.findIndex((existing) => existing.id === record.id);
  if (index >= 0) list[index] = { ...list[index], ...record };
  else list.push(record);
}

/** Apply one event to `state` (mutated and returned). Unknown events are ignored. */
export function applyEvent(state, name, data) {
  switch (name) {
    case "meeting.updated": {
      const { last_seq: _ignored, ...meeting } = data.meeting || {};
      state.meeting = { ...state.meeting, ...meeting };
      if ("current_item_id" in meeting) state.current_item_id = meeting.current_item_id;
      break;
    }
    case "meeting.status":
      state.meeting = {
        ...state.meeting,
        status: data.status,
        started_at: data.started_at,
        closed_at: data.closed_at,
        version: data.version,
      };
      break;
    case "meeting.deleted":
      state.deleted = true;
      break;
    case "agenda.current": {
      // the rule the server applies too: the previous item is done, the new one is current
      const previous = state.agenda.find((item) => item.id === data.previous_item_id);
      if (previous) {
        previous.status = "done";
        previous.version = data.previous_item_version;
      }
      const current = state.agenda.find((item) => item.id === data.item_id);
      if (current) {
        current.status = "current";
        current.version = data.item_version;
      }
      state.current_item_id = data.item_id ?? null;
      state.meeting = { ...state.meeting, current_item_id: state.current_item_id };
      break;
    }
    case "agenda.changed":
      applyAgendaChange(state, data);
      break;
    case "document.added":
    case "document.updated":
    case "document.ready":
    case "document.indexed":
    case "document.ocr":
    case "document.failed":
      if (data.document) {
        state.documents = state.documents || [];
        upsert(state.documents, data.document);
        state.documents.sort(byId);
      }
      break;
    case "document.removed":
      state.documents = (state.documents || []).filter((doc) => doc.id !== data.document_id);
      // a snapshot never shows a document its reader may not see as presented
      if (state.presenting && state.presenting.document_id === data.document_id) state.presenting = NOT_PRESENTING();
      break;
    case "present":
      state.presenting =
        data.document_id == null ? NOT_PRESENTING() : { document_id: data.document_id, page: data.page ?? 1 };
      break;
    case "recording.live":
      state.recording = { capturing: Boolean(data.capturing) };
      break;
    case "participant.changed":
      if (data.action === "removed") {
        state.participants = state.participants.filter((p) => p.id !== data.participant.id);
      } else {
        upsert(state.participants, data.participant);
      }
      break;
    default:
      break;
  }
  applyVotesEvent(state, name, data);
  applyConductEvent(state, name, data);
  return state;
}

function applyAgendaChange(state, data) {
  if ((data.action === "added" || data.action === "updated") && data.item) {
    upsert(state.agenda, data.item);
  } else if (data.action === "removed") {
    const removed = new Set(data.item_ids || []);
    state.agenda = state.agenda.filter((item) => !removed.has(item.id));
    // the database sets a removed item's documents loose (ON DELETE SET NULL)
    for (const doc of state.documents || []) {
      if (removed.has(doc.agenda_item_id)) doc.agenda_item_id = null;
    }
  } else if (data.action === "reordered") {
    (data.item_ids || []).forEach((itemId, index) => {
      const item = state.agenda.find((candidate) => candidate.id === itemId);
      if (item) {
        item.parent_id = data.parent_id ?? null;
        item.position = index;
      }
    });
  }
  state.agenda = sortAgenda(state.agenda);
}

/**
 * One meeting's live state over a websocket.
 *
 * `status` is "connecting" | "open" | "reconnecting" | "ended"; `endReason` is
 * "expired" | "removed" | "gone" | "busy" when the server closed for good.
 * The socket authenticates with the session cookie: no token in its URL.
 */
export class LiveMeeting {
  constructor(meetingId, { fallback = null } = {}) {
    this.meetingId = meetingId;
    // () => Promise<{seq, state} | null>: a kept copy to show when the first connection fails (offline)
    this.fallback = fallback;
    this.fallbackTried = false;
    this.state = null;
    this.seq = null;
    this.status = "connecting";
    this.endReason = null;
    this.socket = null;
    this.attempt = 0;
    this.retryTimer = null;
    this.silenceTimer = null;
    this.stopped = false;
    this.documentErrors = new Map(); // document id -> the error of its failed processing
    this.changeListeners = new Set();
    this.statusListeners = new Set();
  }

  /** `callback(state, event)` after every snapshot (event null) and event. Returns an unsubscribe function. */
  onChange(callback) {
    this.changeListeners.add(callback);
    return () => this.changeListeners.delete(callback);
  }

  /** `callback(status, endReason)` whenever the connection state changes. */
  onStatus(callback) {
    this.statusListeners.add(callback);
    return () => this.statusListeners.delete(callback);
  }

  start() {
    this.stopped = false;
    this._connect();
    this._wake = () => {
      if (this.status === "reconnecting") this._retryNow();
    };
    this._online = () => {
      if (this.status !== "reconnecting" || this.socket) return;
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this._retryNow(), wakeDelay());
    };
    // the browser knows the network is gone before a half-open socket does
    this._offline = () => this._drop();
    window.addEventListener("online", this._online);
    window.addEventListener("offline", this._offline);
    document.addEventListener("visibilitychange", this._wake);
    return this;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.silenceTimer);
    window.removeEventListener("online", this._online);
    window.removeEventListener("offline", this._offline);
    document.removeEventListener("visibilitychange", this._wake);
    if (this.socket) {
      this.socket.onclose = null;
      this.socket.close(1000, "page left");
      this.socket = null;
    }
    this.changeListeners.clear();
    this.statusListeners.clear();
  }

  /** Replace the state with a snapshot fetched over HTTP (after a 409, say) if it is not older than ours. */
  adoptSnapshot(snapshot) {
    if (this.seq !== null && snapshot.seq < this.seq) return;
    this._applySnapshot(snapshot.seq, snapshot.state);
  }

  _url() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const params = new URLSearchParams();
    if (this.seq !== null) params.set("since", String(this.seq));
    if (CAN_INFLATE) params.set("compress", "deflate-raw");
    const query = params.toString();
    return `${scheme}//${location.host}/ws/meetings/${this.meetingId}${query ? `?${query}` : ""}`;
  }

  _connect() {
    if (this.stopped) return;
    let socket;
    try {
      socket = new WebSocket(this._url());
    } catch {
      this._scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.binaryType = "arraybuffer";
    // a compressed snapshot is inflated asynchronously: messages are handled in their order of arrival,
    // each after the one before, and none of a socket that has since been replaced
    let inbox = Promise.resolve();
    socket.onmessage = (message) => {
      const data = message.data;
      inbox = inbox
        .then(() => (typeof data === "string" ? data : inflate(data)))
        .then(
          (text) => {
            if (this.socket === socket) this._onMessage(text);
          },
          () => {}, // a frame that does not inflate is dropped, as one that does not parse
        )
        .catch((error) => console.error(error)); // a failing handler shows, and the next message is still handled
    };
    socket.onclose = (event) => this._onClose(event);
    socket.onerror = () => {}; // onclose follows and decides
    this._armSilenceTimer();
  }

  _onMessage(raw) {
    this._armSilenceTimer();
    let message;
    try {
      message = JSON.parse(raw);
    } catch {
      return;
    }
    switch (message.type) {
      case "ping":
        this._send({ type: "pong" });
        break;
      case "snapshot":
        this._applySnapshot(message.seq, message.state);
        this._connected();
        break;
      case "event":
        this._applyEvent(message);
        break;
      case "resumed":
        if (typeof message.seq === "number" && (this.seq === null || message.seq > this.seq)) this.seq = message.seq;
        this._connected();
        break;
      default:
        break;
    }
  }

  _applySnapshot(seq, state) {
    this.state = clone(state);
    this.state.agenda = sortAgenda(this.state.agenda || []);
    this.state.participants = this.state.participants || [];
    this.state.documents = this.state.documents || [];
    this.state.presenting = this.state.presenting || NOT_PRESENTING();
    this.seq = seq;
    this._emitChange(null);
  }

  _applyEvent(message) {
    // events arrive in seq order; one at or below our seq was already applied
    if (this.state === null || (this.seq !== null && message.seq <= this.seq)) return;
    const data = message.data || {};
    applyEvent(this.state, message.name, data);
    this._noteDocumentError(message.name, data);
    this.seq = message.seq;
    this._emitChange({ name: message.name, data: message.data, seq: message.seq });
  }

  /** Why processing failed is told by `document.failed` only; kept beside the state (a snapshot has no such field). */
  _noteDocumentError(name, data) {
    if (name === "document.failed" && data.document) this.documentErrors.set(data.document.id, data.error || "");
    else if (name.startsWith("document.") && data.document && data.document.status !== "failed") {
      this.documentErrors.delete(data.document.id);
    } else if (name === "document.removed") this.documentErrors.delete(data.document_id);
  }

  _connected() {
    this.attempt = 0;
    this._setStatus("open");
  }

  _onClose(event) {
    clearTimeout(this.silenceTimer);
    this.socket = null;
    if (this.stopped) return;
    const endings = {
      [CLOSE_EXPIRED]: "expired",
      [CLOSE_REMOVED]: "removed",
      [CLOSE_GONE]: "gone",
      [CLOSE_TOO_MANY]: "busy",
    };
    if (endings[event.code]) {
      this.endReason = endings[event.code];
      this._setStatus("ended");
      return;
    }
    // what this user may see changed: the next socket starts from a fresh snapshot, not a replay
    if (event.code === CLOSE_RIGHTS) this.seq = null;
    this._scheduleRetry();
  }

  _scheduleRetry() {
    this._setStatus("reconnecting");
    this._useFallback();
    const delay = retryDelay(this.attempt);
    this.attempt += 1;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this._connect(), delay);
  }

  /** No state yet and no server: show the kept copy (if any) until the socket resumes from its seq. */
  _useFallback() {
    if (this.state !== null || this.fallbackTried || !this.fallback) return;
    this.fallbackTried = true;
    Promise.resolve(this.fallback()).then(
      (snapshot) => {
        if (snapshot && this.state === null && !this.stopped) {
          this.fromFallback = true;
          this._applySnapshot(snapshot.seq, snapshot.state);
        }
      },
      () => {},
    );
  }

  _retryNow() {
    if (this.socket) return;
    clearTimeout(this.retryTimer);
    this._connect();
  }

  _armSilenceTimer() {
    clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(() => {
      this._send({ type: "ping" });
      this.silenceTimer = setTimeout(() => this._drop(), SILENCE_DROP_MS - SILENCE_PING_MS);
    }, SILENCE_PING_MS);
  }

  /** Give up on a silent socket without waiting for a close handshake that may never come. */
  _drop() {
    const socket = this.socket;
    if (!socket) return;
    socket.onclose = null;
    socket.onmessage = null;
    socket.close();
    this.socket = null;
    this._scheduleRetry();
  }

  _send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  _setStatus(status) {
    if (this.status === status) return;
    this.status = status;
    for (const callback of this.statusListeners) callback(status, this.endReason);
  }

  _emitChange(event) {
    for (const callback of this.changeListeners) {
      try {
        callback(this.state, event);
      } catch (error) {
        console.error(error);
      }
    }
  }
}
