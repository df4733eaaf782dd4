// The delegate's tablet: sign in, my meetings, one meeting followed live.

import { Api } from "./api.js";
import { Announcer, soundToggle } from "./announce.js";
import { CaptionStrip } from "./captions.js";
import { AssistantPanel } from "./assistant.js";
import { ChairPanel } from "./chair.js";
import { formatDateTime, t, translateStatic } from "./i18n.js";
import { LiveMeeting } from "./live.js";
import { clearOfflineData, keepSnapshot, loadSnapshot, registerServiceWorker } from "./offline.js";
import { TabletPolls } from "./polls.js";
import { conclusionLine, TabletOpinion, TabletTasks } from "./conduct.js";
import { TabletFloor } from "./floor.js";
import { DocumentViewer, followToggle } from "./doc-viewer.js";
import { documentEntry, groupDocuments, PageImages, presentedPage } from "./documents.js";
import { checkedInText, currentAndNext, itemDetails, meetingMeta, presence } from "./meeting-view.js";
import {
  appBar,
  busy,
  connectionBanner,
  fill,
  h,
  langButton,
  loginView,
  showError,
  showToast,
  recordingChip,
  statusChip,
} from "./ui.js";

const api = new Api("icabinet.session.tablet");
const root = document.getElementById("app");
let live = null;
let viewer = null;
let announcer = null;
let currentView = null;
let rerender = () => route();
let stopKeeping = () => {};

api.onUnauthorized = () => {
  stopLive();
  clearOfflineData();
  showLogin();
};

function stopLive() {
  if (viewer) {
    viewer.destroy();
    viewer.images.clear();
  }
  viewer = null;
  if (announcer) announcer.destroy();
  announcer = null;
  stopKeeping();
  stopKeeping = () => {};
  if (live) live.stop();
  live = null;
}

function meetingIdFromHash() {
  const match = location.hash.match(/^#\/meeting\/(\d+)/);
  return match ? Number(match[1]) : null;
}

async function route() {
  translateStatic();
  if (!api.session) {
    stopLive();
    showLogin();
    return;
  }
  await api.learnTimeZone();
  const meetingId = meetingIdFromHash();
  if (meetingId === null) {
    stopLive();
    showMeetings();
  } else {
    showMeeting(meetingId);
  }
}

function showLogin() {
  rerender = showLogin;
  fill(
    root,
    loginView(api, {
      subtitle: t("app.tablet"),
      onLoggedIn: () => route(),
      onLang: () => showLogin(),
    }),
  );
}

function userBar() {
  const user = api.user;
  return [
    user ? h("span", { class: "user-name", testid: "user-name" }, user.full_name || user.username) : null,
    langButton(() => rerender()),
    soundToggle(),
    h(
      "button",
      {
        class: "btn btn-ghost btn-small",
        type: "button",
        testid: "logout",
        onclick: async () => {
          stopLive();
          await api.logout();
          // what this user read stays on the tablet no longer than their session
          await clearOfflineData();
          location.hash = "";
          showLogin();
        },
      },
      t("common.logout"),
    ),
  ];
}

const STATUS_ORDER = { live: 0, draft: 1, closed: 2 };

async function showMeetings() {
  rerender = showMeetings;
  const list = h(
    "div",
    { class: "meeting-cards", testid: "meeting-list" },
    h("p", { class: "muted" }, t("common.loading")),
  );
  fill(
    root,
    appBar(t("app.tablet"), ...userBar()),
    h("main", { class: "page" }, h("h1", { class: "page-title" }, t("meetings.mine")), list),
  );
  let meetings;
  try {
    meetings = await api.get("/api/meetings");
  } catch (error) {
    fill(list, h("p", { class: "form-error" }, error.detail || String(error)));
    return;
  }
  meetings.sort(
    (a, b) =>
      STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
      String(a.starts_at || "").localeCompare(String(b.starts_at || "")) ||
      a.id - b.id,
  );
  if (!meetings.length) {
    fill(list, h("p", { class: "empty" }, t("meetings.empty")));
    return;
  }
  fill(
    list,
    ...meetings.map((meeting) =>
      h(
        "a",
        {
          class: `meeting-card card status-${meeting.status}`,
          href: `#/meeting/${meeting.id}`,
          testid: `meeting-${meeting.id}`,
        },
        h(
          "div",
          { class: "meeting-card-top" },
          statusChip(meeting.status),
          meeting.my_role ? h("span", { class: "role-tag" }, t(`role.${meeting.my_role}`)) : null,
        ),
        h("h2", {}, meeting.title),
        h("p", { class: "muted" }, meeting.starts_at ? formatDateTime(meeting.starts_at) : t("meetings.no_time")),
        h("p", { class: "muted" }, meeting.location || t("meetings.no_place")),
      ),
    ),
  );
}

function showMeeting(meetingId) {
  if (!live || live.meetingId !== meetingId) {
    stopLive();
    const session = api.session;
    live = new LiveMeeting(meetingId, { fallback: () => loadSnapshot(session, meetingId) });
    stopKeeping = keepSnapshot(live, () => api.session);
    live.onStatus((status, reason) => {
      if (status !== "ended") return;
      stopLive();
      if (reason === "expired") {
        api.forget();
        clearOfflineData();
        showToast(t("conn.expired"), "error");
        showLogin();
      } else {
        if (reason === "removed") clearOfflineData();
        showError(t({ removed: "conn.removed", busy: "conn.busy" }[reason] || "conn.gone"));
        location.hash = "";
      }
    });
    // the viewer listens before the first snapshot: if someone presents already, a following tablet opens it
    viewer = new DocumentViewer({
      api,
      live,
      images: new PageImages(api),
      followable: true,
      onChange: () => currentView && currentView.renderPresenting(live.state),
    });
    // over every view, the viewer included: what a delegate must not miss
    announcer = new Announcer(live, { onAction: (announcement) => currentView && currentView.reveal(announcement) });
    live.start();
  }
  if (currentView) currentView.detach();
  const view = new MeetingView(live, viewer);
  currentView = view;
  rerender = () => {
    view.mount();
    viewer.relabel();
  };
  view.mount();
}

/** Centre `row` in its scrolling `box` without moving the page itself. */
function scrollIntoViewWithin(box, row) {
  const boxRect = box.getBoundingClientRect();
  const rowRect = row.getBoundingClientRect();
  const target = box.scrollTop + (rowRect.top - boxRect.top) - (box.clientHeight - rowRect.height) / 2;
  box.scrollTo({ top: Math.max(0, target), behavior: "smooth" });
}

class MeetingView {
  constructor(meeting, documentViewer) {
    this.live = meeting;
    this.viewer = documentViewer;
    this.lastCurrentId = undefined;
    this.assistant = new AssistantPanel({ api, live: meeting, viewer: documentViewer });
    this.polls = new TabletPolls({ api, live: meeting });
    this.floor = new TabletFloor({ api, live: meeting });
    this.opinion = new TabletOpinion({ api });
    this.tasks = new TabletTasks({ api });
    this.chair = new ChairPanel({ api, live: meeting, viewer: documentViewer });
  }

  /** After "go to" on an announcement: leave the viewer and bring its card into view, focused. */
  reveal(announcement) {
    if (this.viewer.isOpen) this.viewer.close({ byUser: true });
    if (announcement.kind === "opinion") this.opinion.choose(announcement.target);
    if (this.live.state) this.render();
    const card = { vote: this.polls.element, opinion: this.opinion.element, floor: this.floor.element }[
      announcement.kind
    ];
    if (!card || !card.isConnected) return;
    card.setAttribute("tabindex", "-1");
    card.scrollIntoView({ block: "start" });
    card.focus({ preventScroll: true });
  }

  mount() {
    this.detach();
    this.title = h("h1", { class: "meeting-title", testid: "meeting-title" }, t("common.loading"));
    this.meta = h("div");
    this.status = h("div", { class: "meeting-status-slot" });
    this.agenda = h("ol", { class: "agenda-list", testid: "agenda" });
    this.current = h("section", { class: "card current-card", testid: "current-card" });
    this.presenting = h("section", { class: "card presenting-card", testid: "presenting-card", hidden: true });
    this.general = h("section", { class: "card general-docs-card", testid: "general-documents", hidden: true });
    this.checkin = h("section", { class: "card checkin-card", testid: "checkin-card" });
    // until the delegate has checked in, checking in is the first thing on the page
    this.checkinFirst = h("div", { class: "checkin-first-slot", testid: "checkin-first" });
    this.checkinLast = h("div", { class: "checkin-last-slot" }, this.checkin);
    this.presence = h("section", { class: "card presence-card" });
    this.captions = new CaptionStrip(this.live, { storageKey: "icabinet.captions", variant: "tablet" });
    this.captionsSlot = h("div", { class: "captions-toggle-slot" });
    this.lastCurrentId = undefined;
    fill(
      root,
      appBar(t("app.tablet"), ...userBar()),
      connectionBanner(this.live, { offlineCopy: true }),
      h(
        "main",
        { class: "page meeting-page" },
        h(
          "div",
          { class: "meeting-head" },
          h("a", { class: "btn btn-ghost btn-small back-link", href: "#/", testid: "back" }, t("common.back")),
          h("div", { class: "meeting-head-text" }, this.title, this.meta),
          this.status,
          this.captionsSlot,
        ),
        this.checkinFirst,
        h(
          "div",
          { class: "meeting-columns" },
          h(
            "section",
            { class: "card agenda-card" },
            h("h2", { class: "card-title" }, t("meeting.agenda")),
            // it scrolls on its own: a region keyboards can reach
            h(
              "div",
              { class: "agenda-scroll", tabindex: "0", role: "region", "aria-label": t("meeting.agenda") },
              this.agenda,
            ),
          ),
          h(
            "aside",
            { class: "side-column" },
            this.presenting,
            this.chair.build(),
            this.floor.build(),
            this.polls.build(),
            this.current,
            this.opinion.build(),
            this.assistant.build(),
            this.general,
            this.tasks.build(),
            this.checkinLast,
            this.presence,
          ),
        ),
        this.captions.element,
      ),
    );
    this.unsubscribe = this.live.onChange(() => this.render());
    if (this.live.state) this.render();
  }

  detach() {
    if (this.unsubscribe) this.unsubscribe();
    this.unsubscribe = null;
    this.captions?.destroy();
  }

  render() {
    const state = this.live.state;
    if (!state || !this.title.isConnected) return;
    const { meeting } = state;
    document.title = `${meeting.title} · i-Cabinet`;
    this.title.textContent = meeting.title;
    fill(this.meta, meetingMeta(meeting));
    fill(this.status, statusChip(meeting.status), recordingChip(state));
    // captions are transcript turns: a guest, who reads no transcript, is sent none
    const readsCaptions = Boolean(state.me && state.me.meeting_role && state.me.meeting_role !== "guest");
    if (readsCaptions !== this.captionsSlot.hasChildNodes())
      fill(this.captionsSlot, readsCaptions && this.captions.button);
    this.renderAgenda(state);
    this.renderPresenting(state);
    this.renderCurrent(state);
    this.renderGeneral(state);
    this.renderCheckin(state);
    this.polls.render(state);
    this.floor.render(state);
    this.opinion.render(state);
    this.tasks.render(state);
    this.renderPresence(state);
    this.chair.render(state);
  }

  openDocument = (doc) => this.viewer.open(doc.id);

  documentList(docs, state) {
    if (!docs || !docs.length) return null;
    const presentedId = state.presenting ? state.presenting.document_id : null;
    return h(
      "ul",
      { class: "doc-list" },
      ...docs.map((doc) =>
        h("li", {}, documentEntry(doc, { onOpen: this.openDocument, presenting: doc.id === presentedId })),
      ),
    );
  }

  /** What is presented now, and whether this tablet follows it (also when the viewer is closed). */
  renderPresenting(state) {
    if (!state || !this.presenting || !this.presenting.isConnected) return;
    const id = state.presenting ? state.presenting.document_id : null;
    const doc = id == null ? null : (state.documents || []).find((candidate) => candidate.id === id);
    if (!doc) {
      this.presenting.hidden = true;
      this.presenting.replaceChildren();
      return;
    }
    this.presenting.hidden = false;
    fill(
      this.presenting,
      h("p", { class: "card-kicker" }, h("span", { class: "live-dot", "aria-hidden": "true" }), t("present.now_label")),
      h("p", { class: "presenting-title" }, doc.title),
      h(
        "p",
        { class: "muted presenting-page" },
        t("present.page_of", { page: presentedPage(state, doc), count: doc.page_count }),
      ),
      h(
        "div",
        { class: "presenting-actions" },
        followToggle(this.viewer, state, "meeting-follow-toggle"),
        this.viewer.following
          ? null
          : h(
              "button",
              {
                class: "btn btn-secondary btn-small",
                type: "button",
                testid: "open-presented",
                onclick: () => this.viewer.open(doc.id, { page: presentedPage(state, doc) }),
              },
              t("present.look"),
            ),
      ),
    );
  }

  renderGeneral(state) {
    const { general } = groupDocuments(state);
    this.general.hidden = !general.length;
    fill(this.general, h("h2", { class: "card-title" }, t("doc.general")), this.documentList(general, state));
  }

  renderAgenda(state) {
    const { rows } = currentAndNext(state);
    const { byItem } = groupDocuments(state);
    if (!rows.length) {
      fill(this.agenda, h("li", { class: "empty" }, t("meeting.agenda_empty")));
      return;
    }
    let currentRow = null;
    fill(
      this.agenda,
      ...rows.map(({ item, number, depth }) => {
        const isCurrent = item.id === state.current_item_id;
        const row = h(
          "li",
          {
            class: `agenda-item depth-${depth} item-${item.status}${isCurrent ? " is-current" : ""}`,
            testid: `agenda-item-${item.id}`,
            "data-current": isCurrent ? "true" : "false",
            "data-status": item.status,
            "aria-current": isCurrent ? "step" : null,
          },
          h("span", { class: "item-number" }, number),
          h(
            "div",
            { class: "item-body" },
            h("div", { class: "item-title" }, item.title),
            itemDetails(item),
            this.documentList(byItem.get(item.id), state),
            conclusionLine(state, item.id),
          ),
          item.status !== "pending"
            ? h("span", { class: `item-status status-${item.status}` }, t(`item.${item.status}`))
            : null,
        );
        if (isCurrent) currentRow = row;
        return row;
      }),
    );
    if (state.current_item_id !== this.lastCurrentId) {
      this.lastCurrentId = state.current_item_id;
      if (currentRow) scrollIntoViewWithin(this.agenda.parentElement, currentRow);
    }
  }

  renderCurrent(state) {
    const { current, parent, next } = currentAndNext(state);
    const label = h("p", { class: "card-kicker" }, t("meeting.current"));
    if (!current) {
      const text =
        state.meeting.status === "closed"
          ? t("meeting.closed")
          : state.meeting.status === "draft"
            ? t("meeting.not_started")
            : t("meeting.no_current");
      fill(
        this.current,
        label,
        h("p", { class: "current-empty", testid: "current-item-title", "data-item-id": "" }, text),
      );
      return;
    }
    fill(
      this.current,
      label,
      parent ? h("p", { class: "current-parent" }, `${parent.number}. ${parent.item.title}`) : null,
      h(
        "div",
        { class: "current-line" },
        h("span", { class: "item-number big", testid: "current-item-number" }, current.number),
        h(
          "p",
          { class: "current-title", testid: "current-item-title", "data-item-id": String(current.item.id) },
          current.item.title,
        ),
      ),
      itemDetails(current.item),
      next
        ? h(
            "p",
            { class: "next-line", testid: "next-item" },
            h("span", { class: "meta-label" }, `${t("meeting.next")}: `),
            `${next.number}. ${next.item.title}`,
          )
        : null,
    );
  }

  renderCheckin(state) {
    const mine = state.participants.find((p) => p.user_id === state.me.user_id);
    const first = Boolean(mine) && mine.attendance !== "present" && state.meeting.status !== "closed";
    const slot = first ? this.checkinFirst : this.checkinLast;
    if (this.checkin.parentElement !== slot) slot.append(this.checkin);
    this.checkin.classList.toggle("is-first", first);
    const title = h("h2", { class: "card-title" }, t("meeting.attendance"));
    if (!mine) {
      fill(this.checkin, title, h("p", { class: "muted" }, t("checkin.not_participant")));
      return;
    }
    const role = h("p", { class: "muted" }, `${t("meeting.my_role")}: ${t(`role.${mine.role}`)}`);
    if (mine.attendance === "present") {
      fill(
        this.checkin,
        title,
        h("p", { class: "checked-in", testid: "checkin-state", "data-checked-in": "true" }, `✓ ${checkedInText(mine)}`),
        role,
      );
      return;
    }
    const button = h(
      "button",
      {
        class: "btn btn-primary btn-block btn-large",
        type: "button",
        testid: "checkin",
        disabled: state.meeting.status === "closed",
        onclick: () => busy(button, () => api.post(`/api/meetings/${state.meeting.id}/checkin`)),
      },
      t("checkin.button"),
    );
    fill(
      this.checkin,
      first ? h("h2", { class: "card-title" }, t("checkin.first_title")) : title,
      first ? h("p", { class: "checkin-hint" }, t("checkin.first_hint")) : null,
      button,
      h(
        "p",
        { class: "muted", testid: "checkin-state", "data-checked-in": "false" },
        t(`attendance.${mine.attendance}`),
      ),
      role,
    );
  }

  renderPresence(state) {
    const { present, total } = presence(state);
    fill(
      this.presence,
      h("h2", { class: "card-title" }, t("presence.label")),
      h(
        "p",
        { class: "presence-count", testid: "presence-count", "data-present": String(present) },
        h("strong", {}, String(present)),
        h("span", {}, ` / ${total}`),
      ),
      h("div", { class: "presence-bar" }, h("span", { style: `width:${total ? (100 * present) / total : 0}%` })),
    );
  }
}

window.addEventListener("hashchange", route);
registerServiceWorker();
route();
