// The console's meeting forms: the fields of a meeting, and the live "meeting details" card.

import { t } from "./i18n.js";
import { dateField, filePicker } from "./pickers.js";
import { fill, h, showToast } from "./ui.js";

/** "2026-11-26T01:30:00Z" -> the "YYYY-MM-DDTHH:MM" a datetime-local input wants, in local time. */
export function toLocalInput(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function fromLocalInput(value) {
  return value ? new Date(value).toISOString() : null;
}

export function meetingFields(meeting = {}) {
  const input = (name, attrs = {}) => h("input", { name, testid: `meeting-${name}-input`, ...attrs });
  const fields = {
    title: input("title", { required: true, maxlength: "300", value: meeting.title || "" }),
    location: input("location", { maxlength: "300", value: meeting.location || "" }),
    starts_at: dateField({ time: true, testid: "meeting-starts_at-input", value: toLocalInput(meeting.starts_at) }),
    description: h("textarea", {
      name: "description",
      maxlength: "5000",
      rows: "2",
      testid: "meeting-description-input",
    }),
  };
  fields.description.value = meeting.description || "";
  return fields;
}

export function labelled(label, control, wide = false) {
  return h(
    "label",
    { class: `field${wide ? " field-wide" : ""}` },
    h("span", { class: "field-label" }, label),
    control,
  );
}

/** The meeting's title, place, time and description, saved with its version so a stale edit gets a 409. */
export function meetingDetailsForm({ api, live, act }) {
  const fields = meetingFields();
  let dirty = false;
  let version = null;
  const submit = h("button", { class: "btn btn-primary", type: "submit", testid: "save-meeting" }, t("common.save"));
  const reset = h(
    "button",
    {
      class: "btn btn-ghost",
      type: "button",
      hidden: true,
      onclick: () => {
        dirty = false;
        details.render(live.state);
      },
    },
    t("common.cancel"),
  );
  const form = h(
    "form",
    {
      class: "card details-card",
      testid: "meeting-details",
      oninput: () => {
        dirty = true;
        reset.hidden = false;
      },
      onsubmit: async (event) => {
        event.preventDefault();
        const meeting = live.state.meeting;
        const body = { version };
        if (fields.title.value.trim() !== meeting.title) body.title = fields.title.value.trim();
        if (fields.location.value.trim() !== meeting.location) body.location = fields.location.value.trim();
        if (fields.description.value !== meeting.description) body.description = fields.description.value;
        if (fields.starts_at.value && fields.starts_at.value !== toLocalInput(meeting.starts_at)) {
          body.starts_at = fromLocalInput(fields.starts_at.value);
        }
        const result = await act(submit, () => api.patch(`/api/meetings/${meeting.id}`, body));
        if (result.ok) {
          dirty = false;
          showToast(t("common.saved"));
        } else if (result.error.status === 409) {
          dirty = false;
        }
        details.render(live.state);
      },
    },
    h("h2", { class: "card-title" }, t("console.details")),
    h(
      "div",
      { class: "form-grid form-stack" },
      labelled(t("field.title"), fields.title, true),
      labelled(t("field.location"), fields.location),
      labelled(t("field.starts_at"), fields.starts_at),
      labelled(t("field.description"), fields.description, true),
    ),
    h("div", { class: "form-actions" }, reset, submit),
  );
  const details = {
    element: form,
    render: (state) => {
      const { meeting } = state;
      const editable = state.me.can_manage && meeting.status !== "closed";
      for (const control of Object.values(fields)) control.disabled = !editable;
      submit.hidden = !editable;
      if (dirty) return; // never overwrite what the secretary is typing; a stale save gets a clear 409
      version = meeting.version;
      reset.hidden = true;
      fields.title.value = meeting.title;
      fields.location.value = meeting.location || "";
      fields.starts_at.value = toLocalInput(meeting.starts_at);
      fields.description.value = meeting.description || "";
    },
  };
  return details;
}

/**
 * Fill `form` with a file upload for the meeting: a file picker, an agenda item (or none: `labels.noItem`)
 * and a submit button, test ids `${prefix}-file`, `-file-pick`, `-item`, `-upload`. The file (and
 * `agenda_item_id` when an item is chosen) is posted to `path` through `act`; `onUploaded(value)` follows a
 * success, after the form is reset. `labels`: {file, item, noItem, submit}. Filled again only when what it
 * shows changes.
 */
export function fillUploadForm(form, { api, act, agenda, path, prefix, accept, labels, onUploaded }) {
  // built again only when the agenda (or the language) changes: live events re-render the panel every few
  // seconds and must not drop a file the secretary has picked
  const built = [path, labels.submit, ...(agenda || []).map((row) => `${row.id}:${row.title}`)].join("|");
  if (form.dataset.built === built && form.childElementCount) return;
  form.dataset.built = built;
  const file = h("input", {
    type: "file",
    accept,
    required: true,
    testid: `${prefix}-file`,
    "aria-label": labels.file,
  });
  const item = h(
    "select",
    { testid: `${prefix}-item`, "aria-label": labels.item },
    h("option", { value: "" }, labels.noItem),
    ...(agenda || []).map((row) => h("option", { value: String(row.id) }, row.title)),
  );
  const submit = h("button", { class: "btn btn-primary", type: "submit", testid: `${prefix}-upload` }, labels.submit);
  fill(form, filePicker(file, { label: labels.file, testid: `${prefix}-file-pick` }), item, submit);
  form.onsubmit = async (event) => {
    event.preventDefault();
    if (!file.files.length) return;
    const body = new FormData();
    body.append("file", file.files[0]);
    if (item.value) body.append("agenda_item_id", item.value);
    const result = await act(submit, () => api.upload(path, body));
    if (result && result.ok) {
      form.reset();
      onUploaded(result.value);
    }
  };
}
