// The room screen: title, status, the current item large, its presenter, and what comes next.
// It borrows the console's login on the same machine; otherwise it asks for one.

import { Api } from "./api.js";
import { formatDateTime, formatTime, t, translateStatic } from "./i18n.js";
import { LiveMeeting } from "./live.js";
import { currentAndNext } from "./meeting-view.js";
import { connectionBanner, fill, h, langButton, loginView } from "./ui.js";

const api = new Api("icabinet.token.projector", ["icabinet.token.console"]);
const root = document.getElementById("app");
const match = location.pathname.match(/\/projector\/(\d+)/);
const meetingId = match ? Number(match[1]) : null;
let live = null;
let clockTimer = null;

api.onUnauthorized = () => showLogin();

function showLogin() {
  if (live) live.stop();
  live = null;
  fill(root, loginView(api, {
    subtitle: t("app.projector"),
    hint: t("login.projector_hint"),
    onLoggedIn: () => start(),
    onLang: showLogin,
  }));
}

function start() {
  translateStatic();
  if (meetingId === null) {
    fill(root, h("main", { class: "projector-message" }, t("conn.gone")));
    return;
  }
  if (!api.token) {
    showLogin();
    return;
  }
  live = new LiveMeeting(meetingId, { token: () => api.token });
  live.onStatus((status, reason) => {
    if (status !== "ended") return;
    if (reason === "expired") {
      api.forget();
      showLogin();
    } else {
      live.stop();
      fill(root, h("main", { class: "projector-message", testid: "projector-ended" },
        t(reason === "removed" ? "conn.removed" : "conn.gone")));
    }
  });
  mount();
  live.start();
}

function mount() {
  const screen = h("main", { class: "projector-screen", testid: "projector" },
    h("p", { class: "projector-loading" }, t("common.loading")));
  fill(root, connectionBanner(live), screen);
  live.onChange((state) => render(screen, state));
  if (live.state) render(screen, live.state);
  clearInterval(clockTimer);
  clockTimer = setInterval(() => {
    const clock = document.querySelector("[data-testid=projector-clock]");
    if (clock) clock.textContent = formatTime(new Date().toISOString());
  }, 10000);
}

function render(screen, state) {
  const { meeting } = state;
  const { current, parent, next } = currentAndNext(state);
  document.title = `${meeting.title} · ${t("app.projector")}`;
  let middle;
  if (current) {
    middle = h("section", { class: "projector-current", testid: "projector-current" },
      h("p", { class: "projector-kicker" }, t("projector.now")),
      parent ? h("p", { class: "projector-parent", testid: "current-item-parent" },
        `${parent.number}. ${parent.item.title}`) : null,
      h("div", { class: "projector-current-line" },
        h("span", { class: "projector-number", testid: "current-item-number" }, current.number),
        h("h2", { class: "projector-title", testid: "current-item-title", "data-item-id": String(current.item.id) },
          current.item.title)),
      current.item.presenter
        ? h("p", { class: "projector-presenter", testid: "current-item-presenter" },
          h("span", {}, `${t("meeting.presenter")}: `), current.item.presenter)
        : null);
  } else {
    const text = meeting.status === "closed" ? t("meeting.closed")
      : meeting.status === "draft" ? t("projector.waiting") : t("meeting.no_current");
    middle = h("section", { class: "projector-current is-empty", testid: "projector-current" },
      h("h2", { class: "projector-title", testid: "current-item-title", "data-item-id": "" }, text));
  }
  fill(screen,
    h("header", { class: "projector-head" },
      h("div", { class: "projector-emblem", "aria-hidden": "true" }, "★"),
      h("div", { class: "projector-head-text" },
        h("h1", { testid: "meeting-title" }, meeting.title),
        h("p", {}, [meeting.location, meeting.starts_at ? formatDateTime(meeting.starts_at) : null]
          .filter(Boolean).join(" · "))),
      h("div", { class: "projector-head-side" },
        h("span", { class: `projector-status status-${meeting.status}`, testid: "meeting-status",
          "data-status": meeting.status }, t(`status.${meeting.status}`)),
        h("span", { class: "projector-clock", testid: "projector-clock" }, formatTime(new Date().toISOString())))),
    middle,
    h("footer", { class: "projector-foot" },
      next
        ? h("p", { class: "projector-next", testid: "next-item" },
          h("span", { class: "projector-next-label" }, t("projector.up_next")),
          h("span", { class: "projector-next-number" }, next.number),
          h("span", { class: "projector-next-title" }, next.item.title),
          next.item.presenter ? h("span", { class: "projector-next-presenter" }, next.item.presenter) : null)
        : h("p", { class: "projector-next" }),
      h("div", { class: "projector-tools" }, langButton(() => {
        translateStatic();
        fill(root, connectionBanner(live), screen);
        render(screen, live.state);
      }))),
  );
}

start();
