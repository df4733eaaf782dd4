// The console's participant list: add by username, change role, mark attendance, remove.

import { t } from "./i18n.js";
import { confirmDialog, fill, h, reconcile } from "./ui.js";

const ROLES = ["chair", "secretary", "delegate", "guest"];
const ATTENDANCE = ["unknown", "present", "absent", "excused", "delegated"];

function select(values, current, prefix, attrs) {
  return h(
    "select",
    attrs,
    ...values.map((value) => h("option", { value, selected: value === current }, t(`${prefix}.${value}`))),
  );
}

export class ParticipantsEditor {
  /** @param ctx {api, live, act(button, action) -> Promise<{ok, value}>} */
  constructor(ctx) {
    this.ctx = ctx;
    this.list = h("ul", { class: "participant-list", testid: "participants" });
    this.count = h("span", { class: "card-count", testid: "participants-count" });
    this.usernames = h("datalist", { id: "known-usernames" });
    this.addForm = this.buildAddForm();
    this.element = h(
      "section",
      { class: "card participants-card" },
      h("h2", { class: "card-title" }, t("participants.title"), " ", this.count),
      this.list,
      this.addForm,
      this.usernames,
    );
    this.loadUsernames();
  }

  get base() {
    return `/api/meetings/${this.ctx.live.meetingId}`;
  }

  async loadUsernames() {
    try {
      const users = await this.ctx.api.get("/api/users");
      fill(
        this.usernames,
        ...users
          .filter((user) => user.is_active !== false)
          .map((user) => h("option", { value: user.username }, user.full_name || user.username)),
      );
    } catch {
      // chairs who are not staff cannot list users; typing the username still works
    }
  }

  render(state) {
    const canManage = state.me.can_manage;
    this.addForm.hidden = !canManage;
    const present = state.participants.filter((p) => p.attendance === "present").length;
    this.count.textContent = `(${present}/${state.participants.length} ${t("attendance.present").toLowerCase()})`;
    const rows = state.participants.map((participant) => this.buildRow(participant, canManage));
    if (!rows.length) rows.push(h("li", { class: "empty" }, t("participants.empty")));
    reconcile(this.list, rows);
  }

  buildRow(participant, canManage) {
    const url = `${this.base}/participants/${participant.id}`;
    const act = this.ctx.act;
    const change = (field) => (event) => {
      const control = event.currentTarget;
      const body = { [field]: control.value };
      if (field === "attendance" && control.value === "delegated") {
        // who attends in their place (ủy quyền)
        const username = window.prompt(t("attendance.delegate_to"), "");
        if (!username || !username.trim()) {
          control.value = participant[field];
          return;
        }
        body.delegated_to_username = username.trim();
      }
      act(control, () => this.ctx.api.patch(url, body)).then((result) => {
        if (!result.ok) control.value = participant[field];
      });
    };
    const name = h(
      "div",
      { class: "participant-name" },
      h("strong", {}, participant.full_name || participant.username),
      h("small", { class: "muted" }, `@${participant.username}`),
      participant.delegated_to_name
        ? h(
            "small",
            { class: "muted", testid: `participant-delegated-${participant.id}` },
            ` → ${participant.delegated_to_name}`,
          )
        : null,
    );
    if (!canManage) {
      return h(
        "li",
        { class: "participant", testid: `participant-${participant.id}` },
        name,
        h("span", { class: "role-tag" }, t(`role.${participant.role}`)),
        h(
          "span",
          { class: `attendance attendance-${participant.attendance}` },
          t(`attendance.${participant.attendance}`),
        ),
      );
    }
    return h(
      "li",
      {
        class: `participant attendance-${participant.attendance}`,
        testid: `participant-${participant.id}`,
        "data-username": participant.username,
      },
      name,
      select(ROLES, participant.role, "role", {
        "aria-label": t("field.role"),
        testid: `participant-role-${participant.id}`,
        onchange: change("role"),
      }),
      select(ATTENDANCE, participant.attendance, "attendance", {
        "aria-label": t("field.attendance"),
        testid: `participant-attendance-${participant.id}`,
        onchange: change("attendance"),
      }),
      h(
        "button",
        {
          class: "btn btn-icon btn-danger-ghost",
          type: "button",
          testid: `remove-participant-${participant.id}`,
          title: t("participants.remove"),
          "aria-label": t("participants.remove"),
          onclick: async (event) => {
            const button = event.currentTarget;
            const question = t("confirm.remove_participant", { name: participant.full_name || participant.username });
            if (await confirmDialog(question, { danger: true, confirmLabel: t("participants.remove") })) {
              await act(button, () => this.ctx.api.delete(url));
            }
          },
        },
        "✕",
      ),
    );
  }

  buildAddForm() {
    const username = h("input", {
      required: true,
      list: "known-usernames",
      autocapitalize: "none",
      spellcheck: "false",
      placeholder: t("field.username"),
      testid: "new-participant-username",
    });
    const role = select(ROLES, "delegate", "role", { "aria-label": t("field.role"), testid: "new-participant-role" });
    const submit = h(
      "button",
      { class: "btn btn-primary", type: "submit", testid: "add-participant" },
      `+ ${t("participants.add")}`,
    );
    return h(
      "form",
      {
        class: "inline-form",
        onsubmit: async (event) => {
          event.preventDefault();
          const result = await this.ctx.act(submit, () =>
            this.ctx.api.post(`${this.base}/participants`, {
              username: username.value.trim(),
              role: role.value,
            }),
          );
          if (result.ok) {
            username.value = "";
            username.focus();
          }
        },
      },
      username,
      role,
      submit,
    );
  }
}
