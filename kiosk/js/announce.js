// What a delegate must not miss, wherever they are in the tablet (the document viewer included):
// a vote opens, a written opinion is requested, the floor is given to them, the meeting closes.
// Each becomes a banner over every view that stays until dismissed or acted on, an assertive
// live region for screen readers, and a short tone (WebAudio, no file) that can be turned off.

import "./room-i18n.js";
import { t } from "./i18n.js";
import { h } from "./ui.js";

const SOUND_KEY = "icabinet.sound";
const VOTING_ROLES = new Set(["chair", "secretary", "delegate"]);

/** Whether the tone plays (a preference of this tablet, on unless turned off). */
export function soundOn() {
  return localStorage.getItem(SOUND_KEY) !== "off";
}

export function setSound(on) {
  localStorage.setItem(SOUND_KEY, on ? "on" : "off");
}

/**
 * The announcement a live event makes for this reader, or null.
 * {kind: "vote" | "opinion" | "floor" | "closed", key, text, action}
 */
export function announcementFor(state, event) {
  if (!state || !event || !state.me) return null;
  const { name, data } = event;
  const role = state.me.meeting_role;
  if (name === "poll.opened" && data.poll && VOTING_ROLES.has(role)) {
    return {
      kind: "vote",
      key: `vote:${data.poll.id}`,
      text: t("announce.vote", { title: data.poll.title }),
      action: t("announce.go_vote"),
      pollId: data.poll.id,
    };
  }
  if (name === "opinion.requested" && data.request && role && role !== "guest") {
    const question = data.request.question || "";
    return {
      kind: "opinion",
      key: `opinion:${data.request.id}:${question}`,
      text: question ? t("announce.opinion_question", { question }) : t("announce.opinion"),
      action: t("announce.go_opinion"),
      target: data.request.target,
    };
  }
  if (name === "speaker.started" && data.request && data.request.user_id === state.me.user_id) {
    return {
      kind: "floor",
      key: `floor:${data.request.id}`,
      text: t("announce.floor"),
      action: t("announce.go_floor"),
    };
  }
  if (name === "meeting.status" && data.status === "closed") {
    return { kind: "closed", key: "closed", text: t("announce.closed"), action: null };
  }
  return null;
}

let audio = null;

/** A short two-note chime; silent where the browser has no WebAudio or has not allowed it yet. */
function chime() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return false;
  try {
    audio = audio || new Context();
    if (audio.state === "suspended") audio.resume();
    const start = audio.currentTime;
    [880, 1175].forEach((frequency, index) => {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      const at = start + index * 0.16;
      tone.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.25, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.15);
      tone.connect(gain).connect(audio.destination);
      tone.start(at);
      tone.stop(at + 0.16);
    });
    return true;
  } catch {
    // a tone is a courtesy: the banner and the live region carry the announcement
    return false;
  }
}

/** The sound on/off button for the app bar. */
export function soundToggle() {
  const button = h("button", { class: "btn btn-ghost btn-small sound-toggle", type: "button", testid: "sound-toggle" });
  const draw = () => {
    const on = soundOn();
    button.setAttribute("aria-pressed", String(on));
    button.dataset.sound = on ? "on" : "off";
    button.textContent = on ? t("announce.sound_on") : t("announce.sound_off");
    button.title = t("announce.sound_label");
  };
  button.addEventListener("click", () => {
    setSound(!soundOn());
    draw();
  });
  draw();
  return button;
}

/** Announces `live`'s events on this page until `destroy()`; `onAction(announcement)` for "go to". */
export class Announcer {
  constructor(live, { onAction }) {
    this.onAction = onAction;
    this.region = h("div", { class: "sr-only", role: "alert", "aria-live": "assertive", testid: "announce-live" });
    this.banner = h("div", { class: "announce-stack", testid: "announcements" });
    document.body.append(this.region, this.banner);
    this.shown = new Map(); // key -> element
    this.unsubscribe = live.onChange((state, event) => this.consider(state, event));
  }

  consider(state, event) {
    const announcement = announcementFor(state, event);
    if (announcement) this.show(announcement);
  }

  show(announcement) {
    const old = this.shown.get(announcement.key);
    if (old) old.remove();
    // a closed meeting ends what was still asked of the delegate
    if (announcement.kind === "closed") for (const key of [...this.shown.keys()]) this.dismiss(key);
    const dismiss = () => this.dismiss(announcement.key);
    const card = h(
      "div",
      {
        class: `announce announce-${announcement.kind}`,
        testid: `announce-${announcement.kind}`,
        role: "group",
        "aria-label": announcement.text,
      },
      h("p", { class: "announce-text" }, announcement.text),
      h(
        "div",
        { class: "announce-actions" },
        announcement.action
          ? h(
              "button",
              {
                class: "btn btn-primary",
                type: "button",
                testid: `announce-go-${announcement.kind}`,
                onclick: () => {
                  dismiss();
                  this.onAction(announcement);
                },
              },
              announcement.action,
            )
          : null,
        h(
          "button",
          {
            class: "btn btn-secondary",
            type: "button",
            testid: `announce-dismiss-${announcement.kind}`,
            onclick: dismiss,
          },
          t("announce.dismiss"),
        ),
      ),
    );
    this.shown.set(announcement.key, card);
    this.banner.append(card);
    // a fresh node in the region is what screen readers announce, even for a repeated text
    this.region.replaceChildren(h("p", {}, announcement.text));
    // how many tones this page played: what a test (or a curious technician) can read back
    if (soundOn() && chime()) this.banner.dataset.chimes = String(Number(this.banner.dataset.chimes || 0) + 1);
  }

  dismiss(key) {
    const card = this.shown.get(key);
    if (card) card.remove();
    this.shown.delete(key);
  }

  destroy() {
    this.unsubscribe();
    this.region.remove();
    this.banner.remove();
    this.shown.clear();
  }
}
