// The console's agenda editor: add, add sub-item, edit inline, delete, move, set current.

import { t } from "./i18n.js";
import { numberedAgenda } from "./live.js";
import { confirmDialog, h, reconcile } from "./ui.js";

const EDITABLE_STATUSES = ["pending", "done", "skipped"];

function field(label, input) {
  return h("label", { class: "field" }, h("span", { class: "field-label" }, label), input);
}

function durationInput(value, testid) {
  return h("input", { type: "number", min: "1", max: "1440", inputmode: "numeric", value: value ?? "", testid });
}

function numberOrNull(input) {
  const value = input.value.trim();
  return value === "" ? null : Number(value);
}

export class AgendaEditor {
  /** @param ctx {api, live, act(button, action) -> Promise<{ok, value}>} */
  constructor(ctx) {
    this.ctx = ctx;
    this.editing = new Map(); // item id -> its open edit form (kept across live re-renders)
    this.addingSub = new Map(); // parent id -> its open "add sub-item" form
    this.list = h("ol", { class: "editor-list", testid: "agenda-editor" });
    this.addForm = this.buildAddForm();
    this.element = h(
      "section",
      { class: "card agenda-card" },
      h("h2", { class: "card-title" }, t("meeting.agenda")),
      this.list,
      this.addForm,
    );
  }

  get base() {
    return `/api/meetings/${this.ctx.live.meetingId}/agenda`;
  }

  render(state) {
    const canManage = state.me.can_manage;
    const open = state.meeting.status !== "closed";
    this.addForm.hidden = !canManage || !open;
    const rows = numberedAgenda(state.agenda);
    const ids = new Set(rows.map((row) => row.item.id));
    for (const id of [...this.editing.keys()]) if (!ids.has(id)) this.editing.delete(id);
    for (const id of [...this.addingSub.keys()]) if (!ids.has(id)) this.addingSub.delete(id);
    const nodes = [];
    for (const row of rows) {
      nodes.push(this.editing.get(row.item.id) || this.buildRow(state, row, rows, canManage && open));
      if (this.addingSub.has(row.item.id)) nodes.push(this.addingSub.get(row.item.id));
    }
    if (!nodes.length) nodes.push(h("li", { class: "empty" }, t("meeting.agenda_empty")));
    reconcile(this.list, nodes);
  }

  buildRow(state, { item, number, depth }, rows, editable) {
    const isCurrent = item.id === state.current_item_id;
    const live = state.meeting.status === "live";
    const siblings = rows.filter((row) => row.item.parent_id === item.parent_id).map((row) => row.item.id);
    const index = siblings.indexOf(item.id);
    const act = this.ctx.act;
    let runAction = null;
    if (state.me.can_manage && live) {
      runAction = isCurrent
        ? h("span", { class: "current-badge" }, t("console.is_current"))
        : h(
            "button",
            {
              class: "btn btn-primary btn-small",
              type: "button",
              testid: `set-current-${item.id}`,
              onclick: (event) => act(event.currentTarget, () => this.ctx.api.post(`${this.base}/${item.id}/current`)),
            },
            `▶ ${t("console.set_current")}`,
          );
    }
    const tools = editable
      ? h(
          "div",
          { class: "item-tools" },
          h(
            "button",
            {
              class: "btn btn-icon",
              type: "button",
              testid: `move-up-${item.id}`,
              title: t("agenda.up"),
              "aria-label": t("agenda.up"),
              disabled: index <= 0,
              onclick: (event) => this.move(event.currentTarget, item, siblings, -1),
            },
            "↑",
          ),
          h(
            "button",
            {
              class: "btn btn-icon",
              type: "button",
              testid: `move-down-${item.id}`,
              title: t("agenda.down"),
              "aria-label": t("agenda.down"),
              disabled: index >= siblings.length - 1,
              onclick: (event) => this.move(event.currentTarget, item, siblings, 1),
            },
            "↓",
          ),
          h(
            "button",
            {
              class: "btn btn-ghost btn-small",
              type: "button",
              testid: `edit-item-${item.id}`,
              onclick: () => this.startEdit(item),
            },
            `✎ ${t("common.edit")}`,
          ),
          depth === 0
            ? h(
                "button",
                {
                  class: "btn btn-ghost btn-small",
                  type: "button",
                  testid: `add-sub-${item.id}`,
                  title: t("agenda.add_sub_title", { title: item.title }),
                  onclick: () => this.startAddSub(item),
                },
                `+ ${t("agenda.add_sub")}`,
              )
            : null,
          h(
            "button",
            {
              class: "btn btn-danger-ghost btn-small",
              type: "button",
              testid: `delete-item-${item.id}`,
              onclick: (event) => this.remove(event.currentTarget, item),
            },
            `✕ ${t("common.delete")}`,
          ),
        )
      : null;
    const details = [item.presenter, item.duration_minutes ? t("meeting.minutes", { n: item.duration_minutes }) : null]
      .filter(Boolean)
      .join(" · ");
    return h(
      "li",
      {
        class: `editor-item depth-${depth} item-${item.status}${isCurrent ? " is-current" : ""}`,
        testid: `agenda-item-${item.id}`,
        "data-current": isCurrent ? "true" : "false",
        "data-status": item.status,
      },
      h("span", { class: "item-number" }, number),
      h(
        "div",
        { class: "item-body" },
        h("div", { class: "item-title" }, item.title),
        details || (item.status !== "pending" && !isCurrent)
          ? h(
              "div",
              { class: "item-details" },
              details ? h("span", {}, details) : null,
              item.status !== "pending" && !isCurrent
                ? h("span", { class: `item-status status-${item.status}` }, t(`item.${item.status}`))
                : null,
            )
          : null,
        tools,
      ),
      runAction ? h("div", { class: "item-run" }, runAction) : null,
    );
  }

  buildAddForm() {
    const title = h("input", {
      required: true,
      maxlength: "500",
      testid: "new-item-title",
      placeholder: t("agenda.new_title"),
    });
    const presenter = h("input", { maxlength: "200", testid: "new-item-presenter", placeholder: t("field.presenter") });
    const duration = durationInput(null, "new-item-duration");
    duration.placeholder = t("field.minutes");
    duration.setAttribute("aria-label", t("field.duration"));
    const submit = h(
      "button",
      { class: "btn btn-primary", type: "submit", testid: "add-item" },
      `+ ${t("agenda.add")}`,
    );
    return h(
      "form",
      {
        class: "inline-form add-item-form",
        onsubmit: async (event) => {
          event.preventDefault();
          const body = { title: title.value.trim(), presenter: presenter.value.trim() };
          const minutes = numberOrNull(duration);
          if (minutes) body.duration_minutes = minutes;
          const result = await this.ctx.act(submit, () => this.ctx.api.post(this.base, body));
          if (result.ok) {
            event.target.reset();
            title.focus();
          }
        },
      },
      title,
      presenter,
      duration,
      submit,
    );
  }

  startAddSub(parent) {
    const title = h("input", {
      required: true,
      maxlength: "500",
      testid: `new-sub-title-${parent.id}`,
      placeholder: t("agenda.add_sub_title", { title: parent.title }),
    });
    const presenter = h("input", { maxlength: "200", placeholder: t("field.presenter"), value: parent.presenter });
    const submit = h(
      "button",
      { class: "btn btn-primary btn-small", type: "submit", testid: `add-sub-submit-${parent.id}` },
      `+ ${t("agenda.add_sub")}`,
    );
    const form = h(
      "li",
      { class: "editor-form depth-1" },
      h(
        "form",
        {
          class: "inline-form",
          onsubmit: async (event) => {
            event.preventDefault();
            const result = await this.ctx.act(submit, () =>
              this.ctx.api.post(this.base, {
                title: title.value.trim(),
                presenter: presenter.value.trim(),
                parent_id: parent.id,
              }),
            );
            if (result.ok) {
              this.addingSub.delete(parent.id);
              this.render(this.ctx.live.state);
            }
          },
        },
        title,
        presenter,
        submit,
        h(
          "button",
          {
            class: "btn btn-ghost btn-small",
            type: "button",
            onclick: () => {
              this.addingSub.delete(parent.id);
              this.render(this.ctx.live.state);
            },
          },
          t("common.cancel"),
        ),
      ),
    );
    this.addingSub.set(parent.id, form);
    this.render(this.ctx.live.state);
    title.focus();
  }

  startEdit(item) {
    const title = h("input", { required: true, maxlength: "500", value: item.title, testid: `edit-title-${item.id}` });
    const presenter = h("input", { maxlength: "200", value: item.presenter });
    const duration = durationInput(item.duration_minutes, `edit-duration-${item.id}`);
    const description = h("textarea", { maxlength: "5000", rows: "2" });
    description.value = item.description || "";
    const isCurrent = item.id === this.ctx.live.state.current_item_id;
    const status = h(
      "select",
      { disabled: isCurrent },
      ...(isCurrent ? ["current"] : EDITABLE_STATUSES).map((value) =>
        h("option", { value, selected: value === item.status }, t(`item.${value}`)),
      ),
    );
    const version = item.version;
    const submit = h(
      "button",
      { class: "btn btn-primary btn-small", type: "submit", testid: `save-item-${item.id}` },
      t("common.save"),
    );
    const form = h(
      "li",
      { class: "editor-form", testid: `edit-form-${item.id}` },
      h(
        "form",
        {
          class: "edit-grid",
          onsubmit: async (event) => {
            event.preventDefault();
            const body = {
              title: title.value.trim(),
              presenter: presenter.value.trim(),
              description: description.value,
              version,
            };
            const minutes = numberOrNull(duration);
            if (minutes !== item.duration_minutes && minutes !== null) body.duration_minutes = minutes;
            if (!isCurrent && status.value !== item.status) body.status = status.value;
            const result = await this.ctx.act(submit, () => this.ctx.api.patch(`${this.base}/${item.id}`, body));
            // after a conflict the list shows the newer version; editing starts again from there
            if (result.ok || result.error?.status === 409) this.stopEdit(item.id);
          },
        },
        field(t("field.title"), title),
        field(t("field.presenter"), presenter),
        field(t("field.duration"), duration),
        field(t("field.status"), status),
        h(
          "label",
          { class: "field field-wide" },
          h("span", { class: "field-label" }, t("field.description")),
          description,
        ),
        h(
          "div",
          { class: "form-actions" },
          h(
            "button",
            { class: "btn btn-ghost btn-small", type: "button", onclick: () => this.stopEdit(item.id) },
            t("common.cancel"),
          ),
          submit,
        ),
      ),
    );
    this.editing.set(item.id, form);
    this.render(this.ctx.live.state);
    title.focus();
  }

  stopEdit(itemId) {
    this.editing.delete(itemId);
    this.render(this.ctx.live.state);
  }

  async move(button, item, siblings, delta) {
    const order = [...siblings];
    const index = order.indexOf(item.id);
    const target = index + delta;
    if (target < 0 || target >= order.length) return;
    [order[index], order[target]] = [order[target], order[index]];
    await this.ctx.act(button, () =>
      this.ctx.api.post(`${this.base}/reorder`, { parent_id: item.parent_id ?? null, item_ids: order }),
    );
  }

  async remove(button, item) {
    if (
      !(await confirmDialog(t("confirm.delete_item", { title: item.title }), {
        danger: true,
        confirmLabel: t("common.delete"),
      }))
    )
      return;
    await this.ctx.act(button, () => this.ctx.api.delete(`${this.base}/${item.id}`));
  }
}
