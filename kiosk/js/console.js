// The secretary's console: meetings, creating one, and running one live.

import { Api } from "./api.js";
import { AssistantPanel } from "./assistant.js";
import { AgendaEditor } from "./console-agenda.js";
import { DocumentsPanel } from "./console-documents.js";
import { fromLocalInput, labelled, meetingDetailsForm, meetingFields } from "./console-forms.js";
import { ParticipantsEditor } from "./console-participants.js";
import { ConsolePolls } from "./polls.js";
import { ConsoleConclusions, ConsoleOpinions, ConsoleTasks } from "./conduct.js";
import { ConsoleFloor } from "./floor.js";
import { ConsoleMinutes } from "./minutes.js";
import { ConsoleRecordings } from "./recordings.js";
import { ConsoleTranscripts } from "./transcripts.js";
import { actor } from "./chair.js";
import "./room-i18n.js";
import { DocumentViewer } from "./doc-viewer.js";
import { PageImages } from "./documents.js";
import { formatDateTime, t, translateStatic } from "./i18n.js";
import { LiveMeeting } from "./live.js";
import { currentAndNext, itemDetails, meetingMeta } from "./meeting-view.js";
import {
  appBar,
  busy,
  confirmDialog,
  connectionBanner,
  fill,
  h,
  langButton,
  enrolView,
  loginView,
  showError,
  showToast,
  recordingChip,
  statusChip,
} from "./ui.js";

const api = new Api("icabinet.session.console");
const root = document.getElementById("app");
let live = null;
let viewer = null;
let currentView = null;
let rerender = () => route();

api.onUnauthorized = () => {
  stopLive();
  showLogin();
};

function stopLive() {
  if (viewer) {
    viewer.destroy();
    viewer.images.clear();
  }
  viewer = null;
  if (live) live.stop();
  live = null;
}

async function route() {
  translateStatic();
  if (!api.session) {
    stopLive();
    showLogin();
    return;
  }
  await api.learnTimeZone();
  const match = location.hash.match(/^#\/meeting\/(\d+)/);
  if (match) {
    showMeeting(Number(match[1]));
  } else {
    stopLive();
    showMeetings();
  }
}

function showLogin() {
  rerender = showLogin;
  fill(
    root,
    loginView(api, {
      subtitle: t("app.console"),
      hint: t("app.console_who"),
      onLoggedIn: () => route(),
      onLang: showLogin,
    }),
  );
}

function userBar() {
  const user = api.user;
  return [
    user
      ? h(
          "span",
          { class: "user-name", testid: "user-name", dataset: { role: user.role } },
          user.full_name || user.username,
        )
      : null,
    user
      ? h(
          "button",
          { class: "btn btn-ghost btn-small", type: "button", testid: "second-factor", onclick: showEnrolment },
          t("tfa.open"),
        )
      : null,
    langButton(() => rerender()),
    h(
      "button",
      {
        class: "btn btn-ghost btn-small",
        type: "button",
        testid: "logout",
        onclick: async () => {
          stopLive();
          await api.logout();
          location.hash = "";
          showLogin();
        },
      },
      t("common.logout"),
    ),
  ];
}

/** Enrol an authenticator app for the signed-in user (refused with a message when one is already set up). */
function showEnrolment() {
  rerender = showEnrolment;
  stopLive();
  fill(
    root,
    appBar(t("app.console"), ...userBar()),
    h(
      "main",
      { class: "page" },
      enrolView(api, null, () => route()),
    ),
  );
}

async function showMeetings() {
  rerender = showMeetings;
  const list = h(
    "div",
    { class: "console-list", testid: "meeting-list" },
    h("p", { class: "muted" }, t("common.loading")),
  );
  const user = api.user;
  const canCreate = user && (user.role === "admin" || user.role === "secretary");
  fill(
    root,
    appBar(t("app.console"), ...userBar()),
    h(
      "main",
      { class: "page console-home" },
      h("p", { class: "muted console-who", testid: "console-who" }, t("app.console_who")),
      h("section", { class: "card" }, h("h1", { class: "card-title" }, t("meetings.all")), list),
      canCreate ? createForm() : null,
    ),
  );
  try {
    const meetings = await api.get("/api/meetings");
    fill(list, ...(meetings.length ? meetings.map(meetingRow) : [h("p", { class: "empty" }, t("meetings.empty"))]));
  } catch (error) {
    fill(list, h("p", { class: "form-error" }, error.detail || String(error)));
  }
}

function meetingRow(meeting) {
  return h(
    "a",
    { class: "console-meeting", href: `#/meeting/${meeting.id}`, testid: `meeting-${meeting.id}` },
    statusChip(meeting.status),
    h(
      "div",
      { class: "console-meeting-text" },
      h("strong", {}, meeting.title),
      h(
        "small",
        { class: "muted" },
        [meeting.starts_at ? formatDateTime(meeting.starts_at) : t("meetings.no_time"), meeting.location]
          .filter(Boolean)
          .join(" · "),
      ),
    ),
    h("span", { class: "btn btn-ghost btn-small" }, `${t("console.open")} ›`),
  );
}

function createForm() {
  const fields = meetingFields();
  const submit = h(
    "button",
    { class: "btn btn-primary", type: "submit", testid: "create-meeting" },
    t("console.create_submit"),
  );
  return h(
    "form",
    {
      class: "card create-card",
      onsubmit: async (event) => {
        event.preventDefault();
        const body = {
          title: fields.title.value.trim(),
          location: fields.location.value.trim(),
          description: fields.description.value,
        };
        if (fields.starts_at.value) body.starts_at = fromLocalInput(fields.starts_at.value);
        const meeting = await busy(submit, () => api.post("/api/meetings", body));
        if (meeting) location.hash = `#/meeting/${meeting.id}`;
      },
    },
    h("h2", { class: "card-title" }, t("console.create")),
    h(
      "div",
      { class: "form-grid" },
      labelled(t("field.title"), fields.title, true),
      labelled(t("field.location"), fields.location),
      labelled(t("field.starts_at"), fields.starts_at),
      labelled(t("field.description"), fields.description, true),
    ),
    h("div", { class: "form-actions" }, submit),
  );
}

function showMeeting(meetingId) {
  if (!live || live.meetingId !== meetingId) {
    stopLive();
    live = new LiveMeeting(meetingId);
    live.onStatus((status, reason) => {
      if (status !== "ended") return;
      stopLive();
      if (reason === "expired") {
        api.forget();
        showToast(t("conn.expired"), "error");
        showLogin();
      } else {
        showError(t({ removed: "conn.removed", busy: "conn.busy" }[reason] || "conn.gone"));
        location.hash = "";
      }
    });
    viewer = new DocumentViewer({ api, live, images: new PageImages(api) });
    live.start();
  }
  if (currentView) currentView.detach();
  currentView = new ConsoleMeetingView(live, viewer);
  rerender = () => {
    currentView.mount();
    viewer.relabel();
  };
  currentView.mount();
}

class ConsoleMeetingView {
  constructor(meeting, documentViewer) {
    this.live = meeting;
    this.viewer = documentViewer;
    this.unsubscribe = null;
    this.assistant = new AssistantPanel({ api, live: meeting, viewer: documentViewer });
    this.act = actor(api, meeting);
  }

  detach() {
    if (this.unsubscribe) this.unsubscribe();
    this.unsubscribe = null;
  }

  mount() {
    const ctx = { api, live: this.live, act: this.act, viewer: this.viewer };
    this.agendaEditor = new AgendaEditor(ctx);
    this.documentsPanel = new DocumentsPanel(ctx);
    this.participantsEditor = new ParticipantsEditor(ctx);
    this.pollsPanel = new ConsolePolls(ctx);
    this.floorPanel = new ConsoleFloor(ctx);
    this.conclusionsPanel = new ConsoleConclusions(ctx);
    this.tasksPanel = new ConsoleTasks(ctx);
    this.opinionsPanel = new ConsoleOpinions(ctx);
    this.transcriptsPanel = new ConsoleTranscripts(ctx);
    this.recordingsPanel = new ConsoleRecordings(ctx);
    this.minutesPanel = new ConsoleMinutes(ctx);
    this.title = h("h1", { class: "meeting-title", testid: "meeting-title" }, t("common.loading"));
    this.meta = h("div");
    this.status = h("div", { class: "meeting-status-slot" });
    this.readOnly = h("p", { class: "notice", hidden: true }, t("console.read_only"));
    this.controls = h("section", { class: "card controls-card", testid: "controls" });
    this.details = meetingDetailsForm(ctx);
    fill(
      root,
      appBar(t("app.console"), ...userBar()),
      connectionBanner(this.live),
      h(
        "main",
        { class: "page console-meeting-page" },
        h(
          "div",
          { class: "meeting-head" },
          h("a", { class: "btn btn-ghost btn-small back-link", href: "#/", testid: "back" }, t("common.back")),
          h("div", { class: "meeting-head-text" }, this.title, this.meta),
          this.status,
        ),
        this.readOnly,
        h(
          "div",
          { class: "console-columns" },
          h(
            "div",
            { class: "console-main" },
            this.agendaEditor.element,
            this.conclusionsPanel.element,
            this.tasksPanel.element,
            this.documentsPanel.element,
            this.transcriptsPanel.element,
            this.recordingsPanel.element,
            this.minutesPanel.element,
            this.participantsEditor.element,
          ),
          h(
            "div",
            { class: "console-side" },
            this.controls,
            this.floorPanel.element,
            this.pollsPanel.element,
            this.opinionsPanel.element,
            this.assistant.build(),
            this.details.element,
          ),
        ),
      ),
    );
    this.detach();
    this.unsubscribe = this.live.onChange(() => this.render());
    if (this.live.state) this.render();
  }

  render() {
    const state = this.live.state;
    if (!state || !this.title.isConnected) return;
    document.title = `${state.meeting.title} · ${t("app.console")}`;
    this.title.textContent = state.meeting.title;
    fill(this.meta, meetingMeta(state.meeting));
    fill(this.status, statusChip(state.meeting.status), recordingChip(state));
    this.readOnly.hidden = state.me.can_manage;
    this.renderControls(state);
    this.agendaEditor.render(state);
    this.documentsPanel.render(state);
    this.participantsEditor.render(state);
    this.pollsPanel.render(state);
    this.floorPanel.render(state);
    this.conclusionsPanel.render(state);
    this.tasksPanel.render(state);
    this.opinionsPanel.render(state);
    this.transcriptsPanel.render(state);
    this.recordingsPanel.render(state);
    this.minutesPanel.render(state);
    this.details.render(state);
  }

  renderControls(state) {
    const { meeting } = state;
    const { rows, current } = currentAndNext(state);
    const base = `/api/meetings/${meeting.id}`;
    const playable = rows.filter((row) => row.item.status !== "skipped" || row === current);
    const position = current ? playable.indexOf(current) : -1;
    const previous = position > 0 ? playable[position - 1] : null;
    const next = position + 1 < playable.length ? playable[position + 1] : null;
    const goTo = (row) => (event) =>
      this.act(event.currentTarget, () => api.post(`${base}/agenda/${row.item.id}/current`));
    const manage = state.me.can_manage;
    const buttons = [];
    if (manage && meeting.status === "draft") {
      buttons.push(
        h(
          "button",
          {
            class: "btn btn-primary btn-large",
            type: "button",
            testid: "start-meeting",
            onclick: (event) => this.act(event.currentTarget, () => api.post(`${base}/start`)),
          },
          `▶ ${t("console.start")}`,
        ),
      );
    }
    if (manage && meeting.status === "live") {
      buttons.push(
        h(
          "button",
          {
            class: "btn btn-secondary btn-large",
            type: "button",
            testid: "prev-item",
            disabled: !previous,
            onclick: previous ? goTo(previous) : null,
          },
          t("console.prev"),
        ),
        h(
          "button",
          {
            class: "btn btn-primary btn-large",
            type: "button",
            testid: "next-item",
            disabled: !next,
            onclick: next ? goTo(next) : null,
          },
          t("console.next"),
        ),
      );
    }
    const secondary = [
      h(
        "a",
        {
          class: "btn btn-ghost",
          href: `/projector/${meeting.id}`,
          target: `projector-${meeting.id}`,
          rel: "noopener",
          testid: "open-projector",
        },
        `${t("console.projector")} ↗`,
      ),
    ];
    if (manage && meeting.status === "live") {
      secondary.push(
        h(
          "button",
          {
            class: "btn btn-danger-ghost",
            type: "button",
            testid: "close-meeting",
            onclick: async (event) => {
              const button = event.currentTarget;
              if (await confirmDialog(t("confirm.close"), { danger: true, confirmLabel: t("console.close") })) {
                await this.act(button, () => api.post(`${base}/close`));
              }
            },
          },
          t("console.close"),
        ),
      );
    }
    if (manage && meeting.status === "draft") {
      secondary.push(
        h(
          "button",
          {
            class: "btn btn-danger-ghost",
            type: "button",
            testid: "delete-meeting",
            onclick: async (event) => {
              const button = event.currentTarget;
              if (
                await confirmDialog(t("confirm.delete_meeting", { title: meeting.title }), {
                  danger: true,
                  confirmLabel: t("console.delete_meeting"),
                })
              ) {
                const result = await this.act(button, () => api.delete(base));
                if (result.ok) location.hash = "";
              }
            },
          },
          t("console.delete_meeting"),
        ),
      );
    }
    const now = current
      ? h(
          "div",
          { class: "current-line" },
          h("span", { class: "item-number big", testid: "current-item-number" }, current.number),
          h(
            "div",
            {},
            h(
              "p",
              { class: "current-title", testid: "current-item-title", "data-item-id": String(current.item.id) },
              current.item.title,
            ),
            itemDetails(current.item),
          ),
        )
      : h(
          "p",
          { class: "current-empty", testid: "current-item-title", "data-item-id": "" },
          meeting.status === "draft"
            ? t("meeting.not_started")
            : meeting.status === "closed"
              ? t("meeting.closed")
              : t("meeting.no_current"),
        );
    fill(
      this.controls,
      h("h2", { class: "card-title" }, t("console.controls")),
      h("p", { class: "card-kicker" }, t("meeting.current")),
      now,
      buttons.length ? h("div", { class: "control-buttons" }, ...buttons) : null,
      h("div", { class: "control-secondary" }, ...secondary),
    );
  }
}

window.addEventListener("hashchange", route);
route();
