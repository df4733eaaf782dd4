// The chair (chủ tọa) runs the meeting from the tablet with the console's own panels: the floor,
// the votes, the conclusions and the minutes, under the same server rules as the console.

import "./room-i18n.js";
import { ConsoleConclusions } from "./conduct.js";
import { ConsoleFloor } from "./floor.js";
import { t } from "./i18n.js";
import { ConsoleMinutes } from "./minutes.js";
import { ConsolePolls } from "./polls.js";
import { fill, h, showError } from "./ui.js";

/**
 * `act(button, action)` for the running-the-meeting panels: show a failure, and after a 409 reload the
 * state so the next try starts from the truth. Resolves to {ok, value} or {ok: false, error}.
 */
export function actor(api, live) {
  const resync = async () => {
    try {
      live.adoptSnapshot(await api.get(`/api/meetings/${live.meetingId}/snapshot`));
    } catch (error) {
      showError(error);
    }
  };
  return async (button, action) => {
    if (button) button.disabled = true;
    try {
      return { ok: true, value: await action() };
    } catch (error) {
      if (error.status === 409) {
        showError(`${error.detail} — ${t("errors.resynced")}`);
        resync();
      } else {
        showError(error);
      }
      return { ok: false, error };
    } finally {
      if (button && button.isConnected) button.disabled = false;
    }
  };
}

/** The tablet's chairing panel, shown to whoever may run this meeting. */
export class ChairPanel {
  constructor({ api, live, viewer }) {
    const ctx = { api, live, viewer, act: actor(api, live) };
    this.panels = [new ConsoleFloor(ctx), new ConsolePolls(ctx), new ConsoleConclusions(ctx), new ConsoleMinutes(ctx)];
    this.element = h("section", {
      class: "chair-panel",
      testid: "chair-panel",
      hidden: true,
      "aria-labelledby": "chair-panel-title",
    });
  }

  build() {
    fill(
      this.element,
      h(
        "div",
        { class: "card chair-head" },
        h("h2", { class: "card-title", id: "chair-panel-title" }, t("chair.title")),
        h("p", { class: "muted" }, t("chair.hint")),
      ),
      ...this.panels.map((panel) => panel.element),
    );
    return this.element;
  }

  render(state) {
    if (!state) return;
    this.element.hidden = !state.me.can_manage;
    if (this.element.hidden) return;
    for (const panel of this.panels) panel.render(state);
  }
}
