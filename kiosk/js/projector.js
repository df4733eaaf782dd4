// The room screen: title, status, the current item large, its presenter, and what comes next.
// It borrows the console's login on the same machine; otherwise it asks for one.

import { Api } from "./api.js";
import { formatDateTime, formatTime, t, translateStatic } from "./i18n.js";
import { LiveMeeting } from "./live.js";
import { isViewable, PageImages, presentedPage, stepWidth } from "./documents.js";
import { currentAndNext } from "./meeting-view.js";
import { projectorPoll, quorumLine } from "./polls.js";
import { projectorSpeaker } from "./floor.js";
import { connectionBanner, fill, h, langButton, loginView, recordingChip } from "./ui.js";
import { CaptionStrip, setCaptions } from "./captions.js";

const api = new Api("icabinet.session.projector", ["icabinet.session.console"]);
const root = document.getElementById("app");
const match = location.pathname.match(/\/projector\/(\d+)/);
const meetingId = match ? Number(match[1]) : null;
let live = null;
let clockTimer = null;
const images = new PageImages(api, 24);
let slide = null;
let captions = null;
const CAPTIONS_KEY = "icabinet.captions.projector";
// the room's PC can be started with captions on: /projector/{id}?captions=1 (or 0)
const captionsParam = new URLSearchParams(location.search).get("captions");
if (captionsParam === "1" || captionsParam === "0") setCaptions(CAPTIONS_KEY, captionsParam === "1");

/** The presented page, fitted to the screen; one element kept across renders so the image does not blink. */
class Slide {
  constructor() {
    this.img = h("img", { class: "projector-page-image", testid: "projector-page-image", alt: "", hidden: true });
    this.stage = h("div", { class: "projector-slide-stage" }, this.img);
    this.element = h("section", { class: "projector-slide", testid: "projector-slide" }, this.stage);
    this.ratio = 210 / 297;
    this.token = 0;
    this.shown = null;
    window.addEventListener("resize", () => {
      clearTimeout(this.resizeTimer);
      this.resizeTimer = setTimeout(() => this.load(), 200);
    });
  }

  show(doc, page) {
    this.doc = doc;
    this.page = page;
    // measured once it is on screen
    requestAnimationFrame(() => this.load());
  }

  async load() {
    const { doc, page } = this;
    if (!doc || !this.element.isConnected) return;
    const box = this.stage.getBoundingClientRect();
    const fitted = Math.min(box.width, box.height * this.ratio);
    const width = stepWidth(fitted);
    const key = `${doc.id}:${doc.current_version}:${page}:${width}`;
    if (key === this.shown) return;
    const token = ++this.token;
    try {
      const url = await images.load(doc, page, width);
      const probe = new Image();
      probe.src = url;
      await probe.decode().catch(() => {});
      if (token !== this.token) return;
      this.img.src = url;
      this.img.alt = `${doc.title} — ${page}/${doc.page_count}`;
      this.img.dataset.page = String(page);
      this.img.dataset.documentId = String(doc.id);
      this.img.hidden = false;
      this.shown = key;
      const ratio = probe.naturalWidth && probe.naturalHeight ? probe.naturalWidth / probe.naturalHeight : this.ratio;
      if (Math.abs(ratio - this.ratio) > 0.01) {
        this.ratio = ratio;
        this.load();
        return;
      }
      images.preload(doc, page + 1, width);
    } catch {
      // the next present event or resize tries again
      if (token === this.token) this.shown = null;
    }
  }
}

function presented(state) {
  const id = state.presenting ? state.presenting.document_id : null;
  if (id == null) return null;
  const doc = (state.documents || []).find((candidate) => candidate.id === id);
  return isViewable(doc) ? { doc, page: presentedPage(state, doc) } : null;
}

function renderPresented(screen, state, { doc, page }) {
  const { meeting } = state;
  if (!slide) slide = new Slide();
  screen.classList.add("is-presenting");
  fill(
    screen,
    h(
      "header",
      { class: "projector-head is-compact" },
      h("div", { class: "projector-emblem", "aria-hidden": "true" }, "★"),
      h(
        "div",
        { class: "projector-head-text" },
        h("p", { class: "projector-meeting-small", testid: "meeting-title" }, meeting.title),
        h("h1", { class: "projector-doc-title", testid: "projector-doc-title" }, doc.title),
      ),
      h(
        "div",
        { class: "projector-head-side" },
        h(
          "span",
          { class: "projector-page-number", testid: "projector-page-number" },
          t("present.page_of", { page, count: doc.page_count }),
        ),
        recordingChip(state),
        h("span", { class: "projector-clock", testid: "projector-clock" }, formatTime(new Date().toISOString())),
      ),
    ),
    slide.element,
    captions.element,
  );
  slide.show(doc, page);
}

api.onUnauthorized = () => showLogin();

function showLogin() {
  if (live) live.stop();
  live = null;
  fill(
    root,
    loginView(api, {
      subtitle: t("app.projector"),
      hint: t("login.projector_hint"),
      onLoggedIn: () => start(),
      onLang: showLogin,
    }),
  );
}

async function start() {
  translateStatic();
  if (meetingId === null) {
    fill(root, h("main", { class: "projector-message" }, t("conn.gone")));
    return;
  }
  if (!api.session) {
    showLogin();
    return;
  }
  await api.learnTimeZone(); // for the clock and the meeting's date
  live = new LiveMeeting(meetingId);
  live.onStatus((status, reason) => {
    if (status !== "ended") return;
    if (reason === "expired") {
      api.forget();
      showLogin();
    } else {
      live.stop();
      fill(
        root,
        h(
          "main",
          { class: "projector-message", testid: "projector-ended" },
          t({ removed: "conn.removed", busy: "conn.busy" }[reason] || "conn.gone"),
        ),
      );
    }
  });
  mount();
  live.start();
}

function mount() {
  const screen = h(
    "div",
    { class: "projector-screen", testid: "projector" },
    h("p", { class: "projector-loading" }, t("common.loading")),
  );
  fill(root, connectionBanner(live), screen);
  captions?.destroy();
  captions = new CaptionStrip(live, { storageKey: CAPTIONS_KEY, variant: "room" });
  live.onChange((state) => render(screen, state));
  if (live.state) render(screen, live.state);
  clearInterval(clockTimer);
  clockTimer = setInterval(() => {
    const clock = document.querySelector("[data-testid=projector-clock]");
    if (clock) clock.textContent = formatTime(new Date().toISOString());
  }, 10000);
}

/** An open poll, or the closed one of the item under discussion, as a big chart. */
function projectorPollShown(state) {
  const section = projectorPoll(state);
  if (!section) return null;
  const poll = (state.polls || []).find((p) => String(p.id) === section.dataset.pollId);
  const onItem = (poll.agenda_item_id ?? null) === (state.current_item_id ?? null);
  if (poll.status !== "open" && !onItem) return null;
  // the chart's rows share the focus panel's height (kiosk/css/app.css, .projector-poll)
  section.style.setProperty("--poll-rows", String(Math.max(3, poll.options.length)));
  return section;
}

/**
 * What the middle of the screen is about: an open vote, else the speaker, else a vote's result.
 * The focus takes the room left under the item; the other one shrinks to a line.
 */
function focusOf(state, speaker, poll) {
  if (poll && poll.dataset.status === "open") return "vote";
  if (speaker && state.floor && state.floor.speaking) return "speaker";
  return poll ? "vote" : null;
}

function currentSection(state) {
  const { meeting } = state;
  const { current, parent } = currentAndNext(state);
  if (!current) {
    const text =
      meeting.status === "closed"
        ? t("meeting.closed")
        : meeting.status === "draft"
          ? t("projector.waiting")
          : t("meeting.no_current");
    return h(
      "section",
      { class: "projector-current is-empty", testid: "projector-current" },
      h("h2", { class: "projector-title", testid: "current-item-title", "data-item-id": "" }, text),
    );
  }
  return h(
    "section",
    { class: "projector-current", testid: "projector-current" },
    h("p", { class: "projector-kicker" }, t("projector.now")),
    parent
      ? h("p", { class: "projector-parent", testid: "current-item-parent" }, `${parent.number}. ${parent.item.title}`)
      : null,
    h(
      "div",
      { class: "projector-current-line" },
      h("span", { class: "projector-number", testid: "current-item-number" }, current.number),
      h(
        "h2",
        { class: "projector-title", testid: "current-item-title", "data-item-id": String(current.item.id) },
        current.item.title,
      ),
    ),
    current.item.presenter
      ? h(
          "p",
          { class: "projector-presenter", testid: "current-item-presenter" },
          h("span", {}, `${t("meeting.presenter")}: `),
          current.item.presenter,
        )
      : null,
  );
}

function render(screen, state) {
  const shown = presented(state);
  const voting = (state.polls || []).some((poll) => poll.status === "open");
  if (shown && !voting) {
    // a vote in progress takes the screen from a presented page
    renderPresented(screen, state, shown);
    return;
  }
  screen.classList.remove("is-presenting");
  const { meeting } = state;
  const { next } = currentAndNext(state);
  document.title = `${meeting.title} · ${t("app.projector")}`;
  const speaker = projectorSpeaker(state);
  const poll = projectorPollShown(state);
  const focus = focusOf(state, speaker, poll);
  const focused = focus === "vote" ? poll : focus === "speaker" ? speaker : null;
  const aside = [speaker, poll].filter((part) => part && part !== focused);
  for (const part of aside) part.classList.add("is-compact");
  fill(
    screen,
    h(
      "header",
      { class: "projector-head" },
      h("div", { class: "projector-emblem", "aria-hidden": "true" }, "★"),
      h(
        "div",
        { class: "projector-head-text" },
        h("h1", { testid: "meeting-title" }, meeting.title),
        h(
          "p",
          {},
          [meeting.location, meeting.starts_at ? formatDateTime(meeting.starts_at) : null].filter(Boolean).join(" · "),
        ),
      ),
      h(
        "div",
        { class: "projector-head-side" },
        h(
          "span",
          {
            class: `projector-status status-${meeting.status}`,
            testid: "meeting-status",
            "data-status": meeting.status,
          },
          t(`status.${meeting.status}`),
        ),
        recordingChip(state),
        h("span", { class: "projector-clock", testid: "projector-clock" }, formatTime(new Date().toISOString())),
      ),
    ),
    h(
      "main",
      {
        class: `projector-body${focus ? ` has-focus focus-${focus}` : ""}`,
        testid: "projector-body",
        "data-focus": focus || "",
      },
      currentSection(state),
      focused ? h("div", { class: "projector-focus", testid: "projector-focus" }, focused) : null,
      ...aside,
    ),
    captions.element,
    h(
      "footer",
      { class: "projector-foot" },
      next
        ? h(
            "p",
            { class: "projector-next", testid: "next-item" },
            h("span", { class: "projector-next-label" }, t("projector.up_next")),
            h("span", { class: "projector-next-number" }, next.number),
            h("span", { class: "projector-next-title" }, next.item.title),
            next.item.presenter ? h("span", { class: "projector-next-presenter" }, next.item.presenter) : null,
          )
        : h("p", { class: "projector-next" }),
      h("div", { class: "projector-attendance", testid: "projector-attendance" }, quorumLine(state.attendance)),
      h(
        "div",
        { class: "projector-tools" },
        captions.button,
        langButton(() => {
          translateStatic();
          fill(root, connectionBanner(live), screen);
          render(screen, live.state);
        }),
      ),
    ),
  );
}

start();
