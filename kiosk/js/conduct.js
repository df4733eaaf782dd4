// Written opinions, conclusions and tasks on the tablet and the console.

import "./conduct-i18n.js";
import "./room-i18n.js";
import { isOverdue } from "./conduct-state.js";
import { personName } from "./floor.js";
import { formatDate, formatDateTime, t } from "./i18n.js";
import { dateField } from "./pickers.js";
import { busy, fill, h, showToast } from "./ui.js";

const STANCES = ["agree", "disagree", "other"];
const TASK_STATUSES = ["open", "in_progress", "done", "cancelled"];

function field(label, control) {
  return h("label", { class: "field" }, h("span", { class: "field-label" }, label), control);
}

function countsText(counts) {
  const c = counts || { agree: 0, disagree: 0, other: 0 };
  return t("opinion.counts", { agree: c.agree, disagree: c.disagree, other: c.other });
}

/** Targets an opinion may be on: the current item first, then every item, then the readable documents. */
function targets(state) {
  const items = [...(state.agenda || [])].sort(
    (a, b) => (b.id === state.current_item_id) - (a.id === state.current_item_id),
  );
  return [
    ...items.map((item) => ({
      key: `agenda_item:${item.id}`,
      body: { agenda_item_id: item.id },
      label: t("opinion.item", { title: item.title }),
    })),
    ...(state.documents || []).map((doc) => ({
      key: `document:${doc.id}`,
      body: { document_id: doc.id },
      label: t("opinion.doc", { title: doc.title }),
    })),
  ];
}

function requestFor(state, key) {
  return (state.opinions.requests || []).find((r) => r.target === key) || null;
}

/** The conclusion under an agenda item on the tablet (null without one). */
export function conclusionLine(state, itemId) {
  const conclusion = (state.conclusions || []).find((c) => c.agenda_item_id === itemId);
  if (!conclusion) return null;
  return h(
    "p",
    { class: "item-conclusion", testid: `conclusion-${itemId}` },
    h("strong", {}, `${t("conclusion.title")}: `),
    conclusion.text,
  );
}

/** The delegate's opinion form: agree / disagree / other with a text, on an item or a document. */
export class TabletOpinion {
  constructor({ api }) {
    this.api = api;
    this.key = null;
    this.mine = new Map(); // target -> my opinion (from GET .../opinions)
    this.meetingId = null;
    this.stance = null;
    this.seenRequests = null; // request id -> question, to notice a new or changed request
    this.element = h("section", { class: "card opinion-card", testid: "opinion-card" });
  }

  build() {
    return this.element;
  }

  /** Show the form on `target` ("agenda_item:3", "document:7"). */
  choose(target) {
    if (target === this.key) return;
    this.key = target;
    this.stance = null;
    this.draftText = undefined;
  }

  /** The delegate answers what is asked: a new (or reworded) request's target becomes the form's. */
  followRequests(state) {
    const requests = state.opinions.requests || [];
    const seen = new Map(requests.map((r) => [r.id, r.question || ""]));
    const open = (r) => !r.deadline || Date.parse(r.deadline) >= Date.now();
    const fresh =
      this.seenRequests === null
        ? requests.filter(open)
        : requests.filter((r) => this.seenRequests.get(r.id) !== seen.get(r.id));
    this.seenRequests = seen;
    if (fresh.length) this.choose(fresh.reduce((a, b) => (b.id > a.id ? b : a)).target);
  }

  async loadMine(meetingId) {
    try {
      const answer = await this.api.get(`/api/meetings/${meetingId}/opinions`);
      this.mine = new Map(answer.mine.map((o) => [o.target, o]));
    } catch {
      this.mine = new Map();
    }
  }

  render(state) {
    if (!state || !state.opinions) return;
    if (this.meetingId !== state.meeting.id) {
      this.meetingId = state.meeting.id;
      this.loadMine(state.meeting.id).then(() => this.render(state));
    }
    // never take the text away from a delegate who is typing it
    if (this.element.contains(document.activeElement) && document.activeElement.tagName === "TEXTAREA") return;
    this.followRequests(state);
    const role = state.me.meeting_role;
    const choices = targets(state);
    if (!role || role === "guest" || !choices.length) {
      this.element.hidden = true;
      return;
    }
    this.element.hidden = false;
    if (!choices.some((c) => c.key === this.key)) this.key = choices[0].key;
    const select = h(
      "select",
      {
        testid: "opinion-target",
        onchange: () => {
          this.key = select.value;
          this.stance = null;
          this.render(state);
        },
      },
      ...choices.map((c) => h("option", { value: c.key, selected: c.key === this.key }, c.label)),
    );
    const mine = this.mine.get(this.key);
    const stance = this.stance || (mine ? mine.stance : null);
    const request = requestFor(state, this.key);
    const closed = request && request.deadline && Date.parse(request.deadline) < Date.now();
    const text = h("textarea", {
      rows: "3",
      maxlength: "5000",
      testid: "opinion-text",
      placeholder: t("opinion.text"),
    });
    text.value = this.draftText ?? (mine ? mine.text : "");
    text.addEventListener("input", () => {
      this.draftText = text.value;
    });
    const buttons = STANCES.map((s) =>
      h(
        "button",
        {
          class: `btn stance-button${s === stance ? " is-chosen" : ""}`,
          type: "button",
          testid: `opinion-${s}`,
          "aria-pressed": String(s === stance),
          onclick: () => {
            this.stance = s;
            this.draftText = text.value;
            this.render(state);
          },
        },
        t(`opinion.${s}`),
      ),
    );
    const send = h(
      "button",
      {
        class: "btn btn-primary btn-large btn-block",
        type: "button",
        testid: "opinion-send",
        disabled: !stance || closed || state.meeting.status === "closed",
        onclick: () =>
          busy(send, async () => {
            const body = { ...choices.find((c) => c.key === this.key).body, stance, text: text.value.trim() };
            const saved = await this.api.request("PUT", `/api/meetings/${state.meeting.id}/opinions`, body);
            this.mine.set(saved.target, saved);
            this.stance = null;
            this.draftText = undefined;
            showToast(t("opinion.sent"));
            this.render(state);
          }),
      },
      t("opinion.send"),
    );
    const counts = (state.opinions.counts || []).find((c) => c.target === this.key);
    fill(
      this.element,
      h("h2", { class: "card-title" }, t("opinion.title")),
      field(t("opinion.target"), select),
      request && request.question
        ? h(
            "p",
            { class: "opinion-question", testid: "opinion-question" },
            h("span", { class: "meta-label" }, `${t("opinion.requested_label")}: `),
            request.question,
          )
        : null,
      request && request.deadline
        ? h(
            "p",
            { class: closed ? "notice" : "muted", testid: "opinion-deadline" },
            closed ? t("opinion.closed") : t("opinion.deadline", { when: formatDateTime(request.deadline) }),
          )
        : null,
      h("div", { class: "stance-buttons" }, ...buttons),
      text,
      send,
      mine
        ? h(
            "p",
            { class: "muted", testid: "opinion-mine", "data-stance": mine.stance },
            t("opinion.mine", { stance: t(`opinion.${mine.stance}`) }),
          )
        : null,
      h("p", { class: "opinion-counts", testid: "opinion-counts" }, countsText(counts)),
    );
  }
}

function taskLine(_state, task) {
  const who = [task.assigned_unit, task.assignee_name].filter(Boolean).join(" · ");
  return h(
    "div",
    {},
    h("strong", {}, task.title),
    who ? h("span", { class: "muted" }, ` — ${who}`) : null,
    task.deadline
      ? h("span", { class: "task-deadline" }, ` · ${t("task.deadline", { date: formatDate(task.deadline) })}`)
      : null,
    isOverdue(task) ? h("span", { class: "chip task-overdue" }, ` ${t("task.overdue")}`) : null,
  );
}

function statusSelect(task, onChange, { disabled = false } = {}) {
  const select = h(
    "select",
    { testid: `task-status-${task.id}`, disabled, onchange: () => onChange(select.value, select) },
    ...TASK_STATUSES.map((s) => h("option", { value: s, selected: s === task.status }, t(`task.status.${s}`))),
  );
  return select;
}

/** The meeting's tasks on the tablet; the assignee changes the status of theirs. */
export class TabletTasks {
  constructor({ api }) {
    this.api = api;
    this.element = h("section", { class: "card tasks-card", testid: "tasks-card" });
  }

  build() {
    return this.element;
  }

  render(state) {
    if (!state || !state.tasks) return;
    this.element.hidden = !state.tasks.length;
    fill(
      this.element,
      h("h2", { class: "card-title" }, t("task.title")),
      h(
        "ul",
        { class: "task-list" },
        ...state.tasks.map((task) =>
          h(
            "li",
            {
              class: `task-row${isOverdue(task) ? " is-overdue" : ""}`,
              testid: `task-${task.id}`,
              "data-status": task.status,
            },
            taskLine(state, task),
            task.assignee_id === state.me.user_id || state.me.can_manage
              ? statusSelect(task, (status, select) =>
                  busy(select, () => this.api.patch(`/api/tasks/${task.id}`, { status })),
                )
              : h("span", { class: "chip" }, t(`task.status.${task.status}`)),
          ),
        ),
      ),
    );
  }
}

/** The console's conclusion of the current item (or a chosen one). */
export class ConsoleConclusions {
  constructor(ctx) {
    this.ctx = ctx;
    this.itemId = null;
    this.element = h("section", { class: "card conclusion-editor", testid: "console-conclusions" });
  }

  render(state) {
    if (!state || !state.conclusions) return;
    const items = state.agenda || [];
    if (!items.length || !state.me.can_manage) {
      this.element.hidden = true;
      return;
    }
    this.element.hidden = false;
    const focused = this.element.contains(document.activeElement);
    if (focused) return; // never overwrite what the secretary is typing
    if (!items.some((i) => i.id === this.itemId)) this.itemId = state.current_item_id ?? items[0].id;
    const select = h(
      "select",
      {
        testid: "conclusion-item",
        onchange: () => {
          this.itemId = Number(select.value);
          this.render(state);
        },
      },
      ...items.map((i) => h("option", { value: String(i.id), selected: i.id === this.itemId }, i.title)),
    );
    const current = state.conclusions.find((c) => c.agenda_item_id === this.itemId);
    const text = h("textarea", {
      rows: "4",
      maxlength: "10000",
      testid: "conclusion-text",
      "aria-label": t("conclusion.title"),
    });
    text.value = current ? current.text : "";
    const save = h(
      "button",
      {
        class: "btn btn-primary",
        type: "button",
        testid: "conclusion-save",
        disabled: state.meeting.status === "closed",
        onclick: () =>
          this.ctx.act(save, () =>
            this.ctx.api.request("PUT", `/api/meetings/${state.meeting.id}/agenda/${this.itemId}/conclusion`, {
              text: text.value,
              version: current ? current.version : 0,
            }),
          ),
      },
      t("conclusion.save"),
    );
    fill(
      this.element,
      h("h2", { class: "card-title" }, t("conclusion.title")),
      field(t("conclusion.edit"), select),
      text,
      save,
    );
  }
}

/** The console's tasks: create (unit and/or person, deadline), change status, delete. */
export class ConsoleTasks {
  constructor(ctx) {
    this.ctx = ctx;
    this.list = h("ul", { class: "task-list", testid: "console-tasks-list" });
    this.form = h("form", { class: "task-form", testid: "task-form" });
    this.element = h(
      "section",
      { class: "card console-tasks", testid: "console-tasks" },
      h("h2", { class: "card-title" }, t("task.title")),
      this.list,
      this.form,
    );
  }

  render(state) {
    if (!state || !state.tasks) return;
    const canManage = state.me.can_manage;
    fill(
      this.list,
      state.tasks.length
        ? state.tasks.map((task) =>
            h(
              "li",
              {
                class: `task-row${isOverdue(task) ? " is-overdue" : ""}`,
                testid: `console-task-${task.id}`,
                "data-status": task.status,
              },
              taskLine(state, task),
              statusSelect(
                task,
                (status, select) => this.ctx.act(select, () => this.ctx.api.patch(`/api/tasks/${task.id}`, { status })),
                { disabled: !canManage },
              ),
              canManage
                ? (() => {
                    const remove = h(
                      "button",
                      {
                        class: "btn btn-small btn-danger",
                        type: "button",
                        testid: `task-delete-${task.id}`,
                        onclick: () => this.ctx.act(remove, () => this.ctx.api.delete(`/api/tasks/${task.id}`)),
                      },
                      t("common.delete"),
                    );
                    return remove;
                  })()
                : null,
            ),
          )
        : h("li", { class: "muted empty" }, t("task.none")),
    );
    this.form.hidden = !canManage;
    if (!canManage || this.form.contains(document.activeElement)) return;
    const title = h("input", { type: "text", maxlength: "500", required: true, testid: "task-title" });
    const unit = h("input", { type: "text", maxlength: "300", testid: "task-unit" });
    const assignee = h(
      "select",
      { testid: "task-assignee" },
      h("option", { value: "" }, t("task.nobody")),
      ...(state.participants || []).map((p) => h("option", { value: String(p.user_id) }, personName(state, p.user_id))),
    );
    const deadline = dateField({ testid: "task-deadline" });
    const submit = h("button", { class: "btn btn-primary", type: "submit", testid: "task-create" }, t("task.create"));
    fill(
      this.form,
      field(t("task.field.title"), title),
      field(t("task.field.unit"), unit),
      field(t("task.field.assignee"), assignee),
      field(t("task.field.deadline"), deadline),
      submit,
    );
    this.form.onsubmit = async (event) => {
      event.preventDefault();
      const body = { title: title.value.trim(), assigned_unit: unit.value.trim() };
      if (assignee.value) body.assignee_id = Number(assignee.value);
      if (deadline.value) body.deadline = deadline.value;
      if (state.current_item_id) body.agenda_item_id = state.current_item_id;
      const result = await this.ctx.act(submit, () =>
        this.ctx.api.post(`/api/meetings/${state.meeting.id}/tasks`, body),
      );
      if (result && result.ok) this.form.reset();
    };
  }
}

/** The console's opinions: ask for them with a deadline, and the summary with every text and name. */
export class ConsoleOpinions {
  constructor(ctx) {
    this.ctx = ctx;
    this.summary = h("div", { class: "opinion-summary", testid: "opinion-summary" });
    this.form = h("form", { class: "opinion-request-form", testid: "opinion-request-form" });
    this.element = h(
      "section",
      { class: "card console-opinions", testid: "console-opinions" },
      h("h2", { class: "card-title" }, t("opinion.title")),
      this.form,
      this.summary,
    );
    this.lastCounts = null;
  }

  render(state) {
    if (!state || !state.opinions) return;
    if (!state.me.can_manage) {
      this.element.hidden = true;
      return;
    }
    this.element.hidden = false;
    const countsKey = JSON.stringify(state.opinions.counts);
    if (countsKey !== this.lastCounts) {
      this.lastCounts = countsKey;
      this.loadSummary(state);
    }
    if (this.form.contains(document.activeElement)) return;
    const choices = targets(state);
    const target = h(
      "select",
      { testid: "opinion-request-target" },
      ...choices.map((c) => h("option", { value: c.key }, c.label)),
    );
    const question = h("input", { type: "text", maxlength: "1000", testid: "opinion-request-question" });
    const deadline = dateField({ time: true, testid: "opinion-request-deadline" });
    const submit = h(
      "button",
      { class: "btn btn-primary", type: "submit", testid: "opinion-request-create" },
      t("opinion.request"),
    );
    fill(
      this.form,
      field(t("opinion.target"), target),
      field(t("opinion.question"), question),
      field(t("opinion.request_deadline"), deadline),
      submit,
    );
    this.form.hidden = state.meeting.status === "closed" || !choices.length;
    this.form.onsubmit = async (event) => {
      event.preventDefault();
      const body = { ...choices.find((c) => c.key === target.value).body, question: question.value.trim() };
      if (deadline.value) body.deadline = new Date(deadline.value).toISOString();
      const result = await this.ctx.act(submit, () =>
        this.ctx.api.post(`/api/meetings/${state.meeting.id}/opinion-requests`, body),
      );
      if (result && result.ok) {
        this.form.reset();
        showToast(t("opinion.requested_sent"));
      }
    };
  }

  async loadSummary(state) {
    let summary;
    try {
      summary = await this.ctx.api.get(`/api/meetings/${state.meeting.id}/opinions/summary`);
    } catch {
      return;
    }
    const labels = new Map(targets(state).map((c) => [c.key, c.label]));
    if (!summary.counts.length) {
      fill(this.summary, h("p", { class: "muted" }, t("opinion.none")));
      return;
    }
    fill(
      this.summary,
      h("h3", { class: "sub-title" }, t("opinion.summary")),
      ...summary.counts.map((counts) => {
        const request = summary.requests.find((r) => r.target === counts.target);
        return h(
          "div",
          { class: "opinion-target-summary", testid: `opinion-summary-${counts.target}` },
          h("p", {}, h("strong", {}, labels.get(counts.target) || counts.target)),
          request && request.deadline
            ? h("p", { class: "muted" }, t("opinion.deadline", { when: formatDateTime(request.deadline) }))
            : null,
          h("p", { class: "opinion-counts" }, countsText(counts)),
          h(
            "ul",
            { class: "summary-opinions" },
            ...summary.opinions
              .filter((o) => o.target === counts.target)
              .map((o) =>
                h(
                  "li",
                  {},
                  h("strong", {}, `${o.full_name || o.username}: `),
                  t(`opinion.${o.stance}`),
                  o.text ? h("span", {}, ` — ${o.text}`) : null,
                ),
              ),
          ),
        );
      }),
    );
  }
}
