// Live captions: while the room is recorded, the server transcribes it a few seconds behind speech and sends
// each new turn as `transcript.turn_added` (docs/sync-protocol.md, "Live captions") to those who read the
// meeting's transcripts. A strip shows the last two lines, on the tablet when its reader turns it on (off by
// default) and on the room screen when the screen is set to (its toggle, or `?captions=1` in its address).
// Screen readers hear new lines politely: captions never interrupt an announcement.

import { DICTIONARIES, t } from "./i18n.js";
import { h } from "./ui.js";

export const CAPTION_LINES = 2;
// a caption that nothing has followed for this long is cleared: the room has gone quiet
export const CAPTION_CLEAR_MS = 20000;

/** The lines after `event`: a `transcript.turn_added` adds its turn, keeping the last `max`; others change nothing. */
export function addCaption(lines, event, max = CAPTION_LINES) {
  if (!event || event.name !== "transcript.turn_added" || !event.data || !event.data.turn) return lines;
  const { turn } = event.data;
  const text = String(turn.text || "").trim();
  if (!text || lines.some((line) => line.id === turn.id)) return lines;
  return [...lines, { id: turn.id, speaker: turn.speaker || "", text }].slice(-max);
}

/** Whether this device shows captions (`key` in its local storage; `fallback` when never set). */
export function captionsOn(key, fallback = false) {
  const stored = localStorage.getItem(key);
  return stored === null ? fallback : stored === "on";
}

export function setCaptions(key, on) {
  localStorage.setItem(key, on ? "on" : "off");
}

/** A strip of live captions fed by `live`'s events, and the button that turns it on and off on this device. */
export class CaptionStrip {
  constructor(live, { storageKey, defaultOn = false, variant = "tablet" }) {
    this.storageKey = storageKey;
    this.on = captionsOn(storageKey, defaultOn);
    this.lines = [];
    this.list = h("div", {
      class: "captions-lines",
      testid: "caption-lines",
      role: "log",
      "aria-live": "polite",
      "aria-relevant": "additions",
    });
    this.hint = h("p", { class: "captions-hint", testid: "captions-hint" });
    this.element = h(
      "section",
      { class: `captions captions-${variant}`, testid: "captions", "aria-label": t("captions.title") },
      this.hint,
      this.list,
    );
    this.button = h("button", {
      class: "btn btn-ghost btn-small captions-toggle",
      type: "button",
      testid: "captions-toggle",
      onclick: () => this.toggle(),
    });
    this.unsubscribe = live.onChange((state, event) => this.update(state, event));
    this.draw(live.state);
  }

  toggle() {
    this.on = !this.on;
    setCaptions(this.storageKey, this.on);
    this.draw(this.state);
  }

  update(state, event) {
    const lines = addCaption(this.lines, event);
    if (lines !== this.lines) {
      this.lines = lines;
      clearTimeout(this.clearTimer);
      this.clearTimer = setTimeout(() => {
        this.lines = [];
        this.draw(this.state);
      }, CAPTION_CLEAR_MS);
    }
    this.draw(state);
  }

  draw(state) {
    this.state = state;
    const capturing = Boolean(state && state.recording && state.recording.capturing);
    this.element.hidden = !this.on || (!capturing && !this.lines.length);
    this.element.dataset.lines = String(this.lines.length);
    this.hint.hidden = this.lines.length > 0;
    this.hint.textContent = t("captions.waiting");
    const shown = new Set(this.lines.map((line) => String(line.id)));
    for (const node of [...this.list.children]) if (!shown.has(node.dataset.turnId)) node.remove();
    const present = new Set([...this.list.children].map((node) => node.dataset.turnId));
    for (const line of this.lines) {
      if (present.has(String(line.id))) continue;
      this.list.append(
        h(
          "p",
          { class: "caption-line", testid: "caption-line", dataset: { turnId: String(line.id) } },
          line.speaker ? h("span", { class: "caption-speaker" }, `${line.speaker}: `) : null,
          line.text,
        ),
      );
    }
    this.element.setAttribute("aria-label", t("captions.title"));
    this.button.setAttribute("aria-pressed", String(this.on));
    this.button.dataset.captions = this.on ? "on" : "off";
    this.button.textContent = this.on ? t("captions.on") : t("captions.off");
    this.button.title = t("captions.label");
  }

  destroy() {
    clearTimeout(this.clearTimer);
    if (this.unsubscribe) this.unsubscribe();
  }
}

Object.assign(DICTIONARIES.vi, {
  "captions.title": "Phụ đề trực tiếp",
  "captions.on": "Phụ đề: bật",
  "captions.off": "Phụ đề: tắt",
  "captions.label": "Bật/tắt phụ đề lời phát biểu khi phòng họp đang ghi âm (chậm vài giây)",
  "captions.waiting": "Phụ đề sẽ hiện ở đây vài giây sau lời phát biểu.",
});
Object.assign(DICTIONARIES.en, {
  "captions.title": "Live captions",
  "captions.on": "Captions: on",
  "captions.off": "Captions: off",
  "captions.label": "Turn captions of what is said on or off while the room is recorded (a few seconds behind)",
  "captions.waiting": "Captions appear here a few seconds after speech.",
});
