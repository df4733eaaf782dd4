// The floor (đăng ký phát biểu) on every screen: the tablet's big request button with
// the queue position, the console's queue with grant/end/reorder/remove, and the room
// screen's speaker with a large countdown. Clocks run locally from started_at + limit.

import "./conduct-i18n.js";
import { clockText, secondsLeft } from "./conduct-state.js";
import { t } from "./i18n.js";
import { busy, fill, h } from "./ui.js";

const SPEAKING_ROLES = new Set(["chair", "secretary", "delegate"]);

/** Every element made by `speechClock` ticks from one timer. */
function tick() {
  for (const el of document.querySelectorAll("[data-speech-clock]")) {
    const speech = { started_at: el.dataset.startedAt, limit_seconds: Number(el.dataset.limit) };
    const left = secondsLeft(speech);
    el.textContent = clockText(left);
    el.dataset.seconds = String(left);
    el.classList.toggle("is-over", left < 0);
    el.classList.toggle("is-ending", left >= 0 && left <= 30);
  }
}
let ticking = null;
function ensureTicking() {
  if (!ticking) ticking = setInterval(tick, 500);
}

/** The countdown of `speech` (or "no limit"). */
export function speechClock(speech, { big = false, testid = "speech-clock" } = {}) {
  if (speech.limit_seconds == null) {
    return h("span", { class: `speech-clock no-limit${big ? " is-big" : ""}`, testid }, t("floor.no_limit"));
  }
  ensureTicking();
  const left = secondsLeft(speech);
  return h(
    "span",
    {
      class: `speech-clock${big ? " is-big" : ""}${left < 0 ? " is-over" : ""}`,
      testid,
      "data-speech-clock": "",
      "data-started-at": speech.started_at,
      "data-limit": String(speech.limit_seconds),
      "data-seconds": String(left),
      role: "timer",
      "aria-live": "off",
    },
    clockText(left),
  );
}

export function personName(state, userId) {
  const person = (state.participants || []).find((p) => p.user_id === userId);
  return person ? person.full_name || person.username : `#${userId}`;
}

function itemTitle(state, itemId) {
  const item = (state.agenda || []).find((i) => i.id === itemId);
  return item ? item.title : null;
}

function speakerLine(state, speech, { big = false } = {}) {
  const title = speech.agenda_item_id != null ? itemTitle(state, speech.agenda_item_id) : null;
  return h(
    "div",
    {
      class: `speaker-now${big ? " is-big" : ""}`,
      testid: "speaker-now",
      "data-user-id": String(speech.user_id),
      "data-request-id": String(speech.id),
    },
    h("p", { class: "card-kicker" }, h("span", { class: "live-dot", "aria-hidden": "true" }), t("floor.speaking")),
    h("p", { class: "speaker-name", testid: "speaker-name" }, personName(state, speech.user_id)),
    title ? h("p", { class: "muted speaker-item" }, t("floor.on_item", { title })) : null,
    speechClock(speech, { big }),
  );
}

/** The delegate's tablet: request/withdraw, my place in the queue, who speaks and their time. */
export class TabletFloor {
  constructor({ api, live }) {
    this.api = api;
    this.live = live;
    this.element = h("section", { class: "card floor-card", testid: "floor-card" });
  }

  build() {
    return this.element;
  }

  render(state) {
    if (!state || !state.floor) return;
    const { floor, me, meeting } = state;
    const base = `/api/meetings/${meeting.id}/speakers`;
    const mine = floor.queue.findIndex((r) => r.user_id === me.user_id);
    const speakingMine = floor.speaking && floor.speaking.user_id === me.user_id;
    let action;
    if (!SPEAKING_ROLES.has(me.meeting_role)) {
      action = h("p", { class: "muted" }, t("floor.guest"));
    } else if (speakingMine) {
      const button = h(
        "button",
        {
          class: "btn btn-large btn-block btn-secondary",
          type: "button",
          testid: "floor-end-mine",
          onclick: () => busy(button, () => this.api.post(`${base}/${floor.speaking.id}/end`)),
        },
        t("floor.end_mine"),
      );
      action = h(
        "div",
        {},
        h("p", { class: "floor-mine", testid: "floor-position", "data-position": "0" }, t("floor.you_speak")),
        button,
      );
    } else if (mine >= 0) {
      const request = floor.queue[mine];
      const button = h(
        "button",
        {
          class: "btn btn-large btn-block btn-secondary",
          type: "button",
          testid: "floor-withdraw",
          onclick: () => busy(button, () => this.api.delete(`${base}/${request.id}`)),
        },
        t("floor.withdraw"),
      );
      action = h(
        "div",
        {},
        h(
          "p",
          { class: "floor-mine", testid: "floor-position", "data-position": String(mine + 1) },
          t("floor.my_position", { n: mine + 1 }),
        ),
        button,
      );
    } else {
      const button = h(
        "button",
        {
          class: "btn btn-large btn-block btn-primary",
          type: "button",
          testid: "floor-request",
          disabled: meeting.status === "closed",
          onclick: () => busy(button, () => this.api.post(base, {})),
        },
        `✋ ${t("floor.request")}`,
      );
      action = button;
    }
    fill(
      this.element,
      h("h2", { class: "card-title" }, t("floor.title")),
      floor.speaking
        ? speakerLine(state, floor.speaking)
        : h("p", { class: "muted", testid: "speaker-none" }, t("floor.nobody")),
      action,
      floor.queue.length
        ? h(
            "ol",
            { class: "floor-queue", testid: "floor-queue" },
            ...floor.queue.map((r) =>
              h(
                "li",
                { class: r.user_id === me.user_id ? "is-mine" : null, testid: `queue-${r.id}` },
                personName(state, r.user_id),
              ),
            ),
          )
        : null,
    );
  }
}

/** The console: who speaks (end), the queue (grant, up/down, remove), the current item's speaking limit. */
export class ConsoleFloor {
  /** @param ctx {api, live, act(button, action)} */
  constructor(ctx) {
    this.ctx = ctx;
    this.element = h("section", { class: "card console-floor-card", testid: "console-floor" });
  }

  render(state) {
    if (!state || !state.floor) return;
    const { floor, meeting } = state;
    const canManage = state.me.can_manage;
    const base = `/api/meetings/${meeting.id}/speakers`;
    const live = meeting.status === "live";
    const act = (label, testid, action, cls = "btn btn-small") => {
      const button = h(
        "button",
        { class: cls, type: "button", testid, disabled: !canManage, onclick: () => this.ctx.act(button, action) },
        label,
      );
      return button;
    };
    const ids = floor.queue.map((r) => r.id);
    const move = (index, delta) => {
      const order = [...ids];
      [order[index], order[index + delta]] = [order[index + delta], order[index]];
      return () => this.ctx.api.post(`${base}/reorder`, { request_ids: order });
    };
    const speaking = floor.speaking
      ? h(
          "div",
          { class: "floor-speaking" },
          speakerLine(state, floor.speaking),
          canManage
            ? act(
                t("floor.end"),
                "floor-end",
                () => this.ctx.api.post(`${base}/${floor.speaking.id}/end`),
                "btn btn-primary",
              )
            : null,
        )
      : h("p", { class: "muted", testid: "speaker-none" }, t("floor.nobody"));
    const queue = floor.queue.length
      ? h(
          "ol",
          { class: "floor-queue console-queue", testid: "console-queue" },
          ...floor.queue.map((r, index) => {
            const title = r.agenda_item_id != null ? itemTitle(state, r.agenda_item_id) : null;
            return h(
              "li",
              { class: "queue-row", testid: `console-queue-${r.id}`, "data-user-id": String(r.user_id) },
              h(
                "span",
                { class: "queue-name" },
                personName(state, r.user_id),
                title ? h("small", { class: "muted" }, ` · ${title}`) : null,
              ),
              canManage
                ? h(
                    "span",
                    { class: "queue-actions" },
                    live
                      ? act(
                          t("floor.grant"),
                          `floor-grant-${r.id}`,
                          () => this.ctx.api.post(`${base}/${r.id}/start`),
                          "btn btn-primary btn-small",
                        )
                      : null,
                    index > 0 ? act("↑", `floor-up-${r.id}`, move(index, -1)) : null,
                    index < ids.length - 1 ? act("↓", `floor-down-${r.id}`, move(index, 1)) : null,
                    act(
                      t("floor.remove"),
                      `floor-remove-${r.id}`,
                      () => this.ctx.api.delete(`${base}/${r.id}`),
                      "btn btn-small btn-danger",
                    ),
                  )
                : null,
            );
          }),
        )
      : h("p", { class: "muted" }, t("floor.queue_empty"));
    fill(
      this.element,
      h("h2", { class: "card-title" }, t("floor.title")),
      speaking,
      h("h3", { class: "sub-title" }, t("floor.queue")),
      queue,
      canManage ? this.limitEditor(state) : null,
    );
  }

  limitEditor(state) {
    const item = (state.agenda || []).find((i) => i.id === state.current_item_id);
    if (!item) return null;
    const input = h("input", {
      type: "number",
      min: "0",
      max: "86400",
      step: "30",
      testid: "floor-limit",
      value: String(item.speaking_limit_seconds ?? state.floor.default_limit_seconds ?? 0),
    });
    const save = h(
      "button",
      {
        class: "btn btn-small",
        type: "button",
        testid: "floor-limit-save",
        onclick: () =>
          this.ctx.act(save, () =>
            this.ctx.api.patch(`/api/meetings/${state.meeting.id}/agenda/${item.id}`, {
              speaking_limit_seconds: Number(input.value),
              version: item.version,
            }),
          ),
      },
      t("common.save"),
    );
    return h(
      "label",
      { class: "field floor-limit" },
      h("span", { class: "field-label" }, t("floor.limit_label")),
      h("span", { class: "inline" }, input, save),
    );
  }
}

/**
 * The room screen: the speaker with a large countdown and who is next (null when nobody speaks or waits).
 * A request made for another item than the one under way says which item it is for.
 */
export function projectorSpeaker(state) {
  const floor = state.floor;
  if (!floor || (!floor.speaking && !floor.queue.length)) return null;
  const next = floor.queue[0];
  const nextItem =
    next && next.agenda_item_id != null && next.agenda_item_id !== state.current_item_id
      ? itemTitle(state, next.agenda_item_id)
      : null;
  return h(
    "section",
    { class: "projector-speaker", testid: "projector-speaker" },
    floor.speaking ? speakerLine(state, floor.speaking, { big: true }) : null,
    next
      ? h(
          "p",
          {
            class: "projector-next-speaker",
            testid: "projector-next-speaker",
            "data-user-id": String(next.user_id),
            "data-item-id": next.agenda_item_id == null ? "" : String(next.agenda_item_id),
          },
          h("span", { class: "meta-label" }, `${t("floor.next")}: `),
          personName(state, next.user_id),
          nextItem ? h("span", { class: "speaker-item" }, ` · ${t("floor.on_item", { title: nextItem })}`) : null,
        )
      : null,
  );
}
