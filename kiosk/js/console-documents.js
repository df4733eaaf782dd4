// The console's documents: upload (with progress), the list with live status, inline edit,
// new version, delete, open, and "Present" (the viewer in presenter mode).

import {
  classificationTag,
  icon,
  isViewable,
  itemLabel,
  itemOptions,
  pagesText,
  presentedPage,
  searchableBadge,
  statusBadge,
} from "./documents.js";
import { ocrBadge } from "./doc-ocr.js";
import { t } from "./i18n.js";
import { numberedAgenda } from "./live.js";
import { confirmDialog, fill, h, reconcile, showToast } from "./ui.js";

const CLASSIFICATIONS = ["public", "internal", "confidential"];

function classificationSelect(current, attrs) {
  return h(
    "select",
    attrs,
    ...CLASSIFICATIONS.map((value) => h("option", { value, selected: value === current }, t(`doc.class.${value}`))),
  );
}

function field(label, control, extra = "") {
  return h("label", { class: `field ${extra}`.trim() }, h("span", { class: "field-label" }, label), control);
}

function usernames(text) {
  return text
    .split(/[,;\s]+/)
    .map((name) => name.trim())
    .filter(Boolean);
}

function isPdf(file) {
  return file && (file.type === "application/pdf" || /\.pdf$/i.test(file.name));
}

function formatSize(bytes) {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** A progress bar with a label; `set(fraction)`, `done(text)`, `hide()`. */
function progressBar(testid) {
  const bar = h("span", { class: "progress-fill" });
  const label = h("span", { class: "progress-label" });
  const element = h(
    "div",
    {
      class: "progress",
      testid,
      role: "progressbar",
      "aria-valuemin": "0",
      "aria-valuemax": "100",
      hidden: true,
    },
    h("span", { class: "progress-track" }, bar),
    label,
  );
  const show = (state, fraction, text) => {
    element.hidden = false;
    element.dataset.state = state;
    const percent = Math.round(fraction * 100);
    element.setAttribute("aria-valuenow", String(percent));
    bar.style.width = `${percent}%`;
    label.textContent = text;
  };
  return {
    element,
    set: (fraction) => show("uploading", fraction, t("upload.progress", { percent: Math.round(fraction * 100) })),
    done: (text) => show("done", 1, text),
    hide: () => {
      element.hidden = true;
    },
  };
}

export class DocumentsPanel {
  /** @param ctx {api, live, act, viewer} */
  constructor(ctx) {
    this.ctx = ctx;
    this.rows = new Map(); // doc id -> {signature, node}
    this.editing = new Map(); // doc id -> its open edit form
    this.versionUploads = new Map(); // doc id -> progress bar of a new version on its way
    this.detailsAsked = new Set(); // failed documents whose error was fetched
    this.count = h("span", { class: "card-count", testid: "documents-count" });
    this.presentingBox = h("div", { class: "presenting-box", testid: "presenting-box", hidden: true });
    this.list = h("div", { class: "doc-admin-list", testid: "documents" });
    this.form = this.buildUploadForm();
    this.element = h(
      "section",
      { class: "card documents-card", testid: "documents-card" },
      h("h2", { class: "card-title" }, t("doc.documents"), " ", this.count),
      this.presentingBox,
      this.form,
      this.list,
    );
  }

  get api() {
    return this.ctx.api;
  }

  get meetingId() {
    return this.ctx.live.meetingId;
  }

  // ---------- upload ----------

  buildUploadForm() {
    const file = h("input", {
      type: "file",
      accept: ".pdf,application/pdf",
      testid: "upload-file",
      class: "file-input",
      id: "upload-file",
    });
    const fileName = h("span", { class: "file-name", testid: "upload-file-name" }, t("upload.none_chosen"));
    const title = h("input", { maxlength: "500", testid: "upload-title", placeholder: t("upload.title_placeholder") });
    const item = h("select", { testid: "upload-item" });
    const classification = classificationSelect("internal", { testid: "upload-classification" });
    const readers = h("input", {
      testid: "upload-readers",
      list: "known-usernames",
      autocapitalize: "none",
      spellcheck: "false",
      placeholder: t("upload.readers_placeholder"),
    });
    const readersField = field(t("upload.readers"), readers, "upload-readers");
    readersField.append(h("small", { class: "muted" }, t("upload.readers_hint")));
    readersField.hidden = true;
    const submit = h(
      "button",
      { class: "btn btn-primary", type: "submit", testid: "upload-submit" },
      icon("upload"),
      t("upload.submit"),
    );
    const progress = progressBar("upload-progress");
    const error = h("p", { class: "form-error", role: "alert", testid: "upload-error", hidden: true });
    const picker = h(
      "label",
      { class: "file-drop", for: "upload-file", testid: "upload-drop" },
      icon("doc", "icon file-drop-icon"),
      h(
        "span",
        { class: "file-drop-text" },
        h("strong", {}, t("upload.choose")),
        h("small", { class: "muted" }, t("upload.drop_hint")),
      ),
      fileName,
    );

    const chosen = () => file.files && file.files[0];
    const showChosen = () => {
      const picked = chosen();
      fileName.textContent = picked ? `${picked.name} · ${formatSize(picked.size)}` : t("upload.none_chosen");
      picker.classList.toggle("has-file", Boolean(picked));
      error.hidden = true;
      if (picked && !isPdf(picked)) {
        error.textContent = t("upload.pdf_only");
        error.hidden = false;
      }
    };
    file.addEventListener("change", showChosen);
    classification.addEventListener("change", () => {
      readersField.hidden = classification.value !== "confidential";
    });
    for (const name of ["dragenter", "dragover"]) {
      picker.addEventListener(name, (event) => {
        event.preventDefault();
        picker.classList.add("is-dragging");
      });
    }
    for (const name of ["dragleave", "drop"])
      picker.addEventListener(name, () => picker.classList.remove("is-dragging"));
    picker.addEventListener("drop", (event) => {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        file.files = event.dataTransfer.files;
        showChosen();
      }
    });

    const form = h(
      "form",
      {
        class: "upload-form",
        testid: "upload-form",
        onsubmit: async (event) => {
          event.preventDefault();
          const picked = chosen();
          error.hidden = true;
          if (!picked) {
            error.textContent = t("upload.no_file");
            error.hidden = false;
            return;
          }
          if (!isPdf(picked)) {
            error.textContent = t("upload.pdf_only");
            error.hidden = false;
            return;
          }
          const body = new FormData();
          body.append("file", picked, picked.name);
          if (title.value.trim()) body.append("title", title.value.trim());
          if (item.value) body.append("agenda_item_id", item.value);
          body.append("classification", classification.value);
          if (classification.value === "confidential" && readers.value.trim()) {
            body.append("allowed_usernames", usernames(readers.value).join(","));
          }
          submit.disabled = true;
          progress.set(0);
          try {
            const doc = await this.api.upload(`/api/meetings/${this.meetingId}/documents`, body, (f) =>
              progress.set(f),
            );
            progress.done(t("upload.done", { title: doc.title }));
            file.value = "";
            title.value = "";
            readers.value = "";
            showChosen();
            setTimeout(() => {
              if (progress.element.dataset.state === "done") progress.hide();
            }, 6000);
          } catch (failure) {
            progress.hide();
            error.textContent = failure.detail || failure.message;
            error.hidden = false;
          } finally {
            submit.disabled = false;
          }
        },
      },
      h("h3", { class: "upload-heading" }, t("upload.heading")),
      h(
        "div",
        { class: "upload-grid" },
        h("div", { class: "upload-file-field field-wide" }, file, picker),
        field(t("field.title"), title),
        field(t("upload.item"), item),
        field(t("upload.classification"), classification),
        readersField,
      ),
      error,
      h("div", { class: "upload-actions" }, progress.element, submit),
    );
    this.uploadItem = item;
    return form;
  }

  // ---------- render ----------

  render(state) {
    const manage = state.me.can_manage;
    const open = state.meeting.status !== "closed";
    this.form.hidden = !manage || !open;
    // rebuilt only when the agenda changes: an open dropdown must survive unrelated events
    const agendaKey = JSON.stringify(state.agenda.map((item) => [item.id, item.parent_id, item.position, item.title]));
    if (agendaKey !== this.agendaKey) {
      this.agendaKey = agendaKey;
      const selected = this.uploadItem.value;
      fill(this.uploadItem, ...itemOptions(state, selected ? Number(selected) : null));
    }
    const docs = state.documents || [];
    this.count.textContent = docs.length ? `(${docs.length})` : "";
    this.renderPresenting(state);
    const ids = new Set(docs.map((doc) => doc.id));
    for (const id of [...this.rows.keys()]) if (!ids.has(id)) this.rows.delete(id);
    for (const id of [...this.editing.keys()]) if (!ids.has(id)) this.editing.delete(id);
    for (const id of [...this.versionUploads.keys()]) if (!ids.has(id)) this.versionUploads.delete(id);

    // in reading order of the agenda, general documents last
    const order = new Map(numberedAgenda(state.agenda).map((row, index) => [row.item.id, index]));
    const rank = (doc) =>
      doc.agenda_item_id != null && order.has(doc.agenda_item_id) ? order.get(doc.agenda_item_id) : 1e9;
    const sorted = [...docs].sort((a, b) => rank(a) - rank(b) || a.id - b.id);
    const nodes = sorted.map((doc) => {
      const editing = this.editing.get(doc.id);
      if (editing) editing.dataset.status = doc.status;
      return editing || this.row(state, doc, manage, open);
    });
    if (!nodes.length) nodes.push(h("p", { class: "empty" }, t("doc.none")));
    reconcile(this.list, nodes);
    for (const doc of docs) if (doc.status === "failed") this.fetchError(doc);
  }

  renderPresenting(state) {
    const id = state.presenting ? state.presenting.document_id : null;
    const doc = id == null ? null : (state.documents || []).find((candidate) => candidate.id === id);
    this.presentingBox.hidden = !doc;
    if (!doc) {
      this.presentingBox.replaceChildren();
      return;
    }
    const page = presentedPage(state, doc);
    const canManage = state.me.can_manage;
    fill(
      this.presentingBox,
      h("span", { class: "live-dot", "aria-hidden": "true" }),
      h(
        "div",
        { class: "presenting-box-text" },
        h("strong", {}, `${t("present.now_label")} · ${t("present.page_of", { page, count: doc.page_count })}`),
        h("span", { class: "presenting-box-title" }, doc.title),
      ),
      canManage
        ? h(
            "button",
            {
              class: "btn btn-secondary btn-small",
              type: "button",
              testid: "resume-presenting",
              onclick: () => this.ctx.viewer.open(doc.id, { page, source: "present" }),
            },
            t("present.resume"),
          )
        : null,
      canManage
        ? h(
            "button",
            {
              class: "btn btn-danger btn-small",
              type: "button",
              testid: "stop-presenting-panel",
              onclick: (event) =>
                this.ctx.act(event.currentTarget, () =>
                  this.api.post(`/api/meetings/${this.meetingId}/present`, { document_id: null }),
                ),
            },
            t("present.stop"),
          )
        : null,
    );
  }

  row(state, doc, manage, open) {
    const error = this.ctx.live.documentErrors.get(doc.id) || null;
    const presenting = state.presenting && state.presenting.document_id === doc.id;
    const upload = this.versionUploads.get(doc.id) || null;
    const signature = JSON.stringify([
      doc,
      error,
      presenting && state.presenting,
      manage,
      open,
      itemLabel(state, doc.agenda_item_id),
      Boolean(upload),
      state.me.can_manage,
    ]);
    const cached = this.rows.get(doc.id);
    if (cached && cached.signature === signature) return cached.node;
    const node = this.buildRow(state, doc, { manage, open, error, presenting, upload });
    this.rows.set(doc.id, { signature, node });
    return node;
  }

  buildRow(state, doc, { manage, open, error, presenting, upload }) {
    const viewable = isViewable(doc);
    const act = this.ctx.act;
    const actions = [
      h(
        "button",
        {
          class: "btn btn-secondary btn-small",
          type: "button",
          testid: `open-doc-${doc.id}`,
          disabled: !viewable,
          onclick: () => this.ctx.viewer.open(doc.id),
        },
        t("doc.open"),
      ),
    ];
    if (manage) {
      actions.push(
        h(
          "button",
          {
            class: `btn btn-small ${presenting ? "btn-danger-ghost" : "btn-primary"}`,
            type: "button",
            testid: `present-${doc.id}`,
            disabled: !viewable,
            title: t("present.hint"),
            onclick: () => {
              const page = presenting ? presentedPage(state, doc) : 1;
              this.ctx.viewer.open(doc.id, { page, source: "present" });
            },
          },
          icon("present"),
          presenting ? t("present.resume") : t("present.start"),
        ),
      );
      actions.push(
        h(
          "button",
          {
            class: "btn btn-ghost btn-small",
            type: "button",
            testid: `edit-doc-${doc.id}`,
            onclick: () => this.startEdit(doc),
          },
          t("common.edit"),
        ),
      );
      if (open) {
        const versionFile = h("input", {
          type: "file",
          accept: ".pdf,application/pdf",
          class: "file-input",
          testid: `version-file-${doc.id}`,
          onchange: (event) => this.uploadVersion(doc, event.currentTarget),
        });
        actions.push(
          versionFile,
          h(
            "button",
            {
              class: "btn btn-ghost btn-small",
              type: "button",
              testid: `version-doc-${doc.id}`,
              disabled: Boolean(upload),
              onclick: () => versionFile.click(),
            },
            t("doc.new_version"),
          ),
        );
        actions.push(
          h(
            "button",
            {
              class: "btn btn-icon btn-danger-ghost",
              type: "button",
              testid: `delete-doc-${doc.id}`,
              title: t("common.delete"),
              "aria-label": t("common.delete"),
              onclick: async (event) => {
                const button = event.currentTarget;
                if (
                  await confirmDialog(t("confirm.delete_doc", { title: doc.title }), {
                    danger: true,
                    confirmLabel: t("common.delete"),
                  })
                ) {
                  await act(button, () => this.api.delete(`/api/documents/${doc.id}`));
                }
              },
            },
            "✕",
          ),
        );
      }
    }
    return h(
      "div",
      {
        class: `doc-admin doc-admin-${doc.status}${presenting ? " is-presenting" : ""}`,
        testid: `doc-${doc.id}`,
        "data-status": doc.status,
        "data-searchable": doc.searchable ? "true" : "false",
      },
      icon("doc", "icon doc-icon"),
      h(
        "div",
        { class: "doc-admin-body" },
        h("div", { class: "doc-admin-title" }, h("strong", {}, doc.title), statusBadge(doc, error)),
        h(
          "div",
          { class: "doc-meta" },
          h("span", { class: "doc-item-label" }, itemLabel(state, doc.agenda_item_id)),
          h("span", {}, pagesText(doc.page_count)),
          classificationTag(doc),
          doc.current_version > 1 ? h("span", {}, t("doc.version", { n: doc.current_version })) : null,
          searchableBadge(doc),
          ocrBadge(doc),
          presenting
            ? h(
                "span",
                { class: "doc-live" },
                t("present.page_of", { page: presentedPage(state, doc), count: doc.page_count }),
              )
            : null,
        ),
        doc.status === "failed"
          ? h("p", { class: "form-error doc-error", testid: `doc-error-${doc.id}` }, error || t("doc.status.failed"))
          : null,
        upload ? upload.element : null,
        h("div", { class: "doc-admin-actions" }, ...actions),
      ),
    );
  }

  /** After a reload the reason of a failure is only in the document's versions. */
  async fetchError(doc) {
    const key = `${doc.id}:${doc.current_version}`;
    if (this.ctx.live.documentErrors.has(doc.id) || this.detailsAsked.has(key)) return;
    this.detailsAsked.add(key);
    try {
      const detail = await this.api.get(`/api/documents/${doc.id}`);
      const version = (detail.versions || []).find((candidate) => candidate.number === detail.current_version);
      if (version && version.error) {
        this.ctx.live.documentErrors.set(doc.id, version.error);
        if (this.ctx.live.state) this.render(this.ctx.live.state);
      }
    } catch {
      // the list still says "failed"
    }
  }

  async uploadVersion(doc, input) {
    const picked = input.files && input.files[0];
    if (!picked) return;
    if (!isPdf(picked)) {
      showToast(t("upload.pdf_only"), "error");
      input.value = "";
      return;
    }
    const progress = progressBar(`version-progress-${doc.id}`);
    this.versionUploads.set(doc.id, progress);
    this.render(this.ctx.live.state);
    const body = new FormData();
    body.append("file", picked, picked.name);
    progress.set(0);
    try {
      await this.api.upload(`/api/documents/${doc.id}/versions`, body, (f) => progress.set(f));
      showToast(t("doc.version_uploaded"));
    } catch (failure) {
      showToast(failure.detail || failure.message, "error");
    } finally {
      this.versionUploads.delete(doc.id);
      if (this.ctx.live.state) this.render(this.ctx.live.state);
    }
  }

  // ---------- inline edit ----------

  startEdit(doc) {
    const state = this.ctx.live.state;
    const title = h("input", {
      required: true,
      maxlength: "500",
      value: doc.title,
      testid: `edit-doc-title-${doc.id}`,
    });
    const item = h("select", { testid: `edit-doc-item-${doc.id}` }, ...itemOptions(state, doc.agenda_item_id));
    const classification = classificationSelect(doc.classification, { testid: `edit-doc-classification-${doc.id}` });
    const readers = h("input", {
      list: "known-usernames",
      autocapitalize: "none",
      spellcheck: "false",
      testid: `edit-doc-readers-${doc.id}`,
      placeholder: t("upload.readers_placeholder"),
    });
    const readersField = field(t("upload.readers"), readers, "field-wide");
    readersField.hidden = doc.classification !== "confidential";
    classification.addEventListener("change", () => {
      readersField.hidden = classification.value !== "confidential";
    });
    let knownReaders = null;
    this.api.get(`/api/documents/${doc.id}`).then(
      (detail) => {
        knownReaders = detail.readers || [];
        if (!readers.value) readers.value = knownReaders.join(", ");
      },
      () => {},
    );
    const submit = h(
      "button",
      { class: "btn btn-primary btn-small", type: "submit", testid: `save-doc-${doc.id}` },
      t("common.save"),
    );
    const form = h(
      "form",
      {
        class: "doc-edit",
        testid: `edit-doc-form-${doc.id}`,
        onsubmit: async (event) => {
          event.preventDefault();
          const body = { version: doc.version };
          if (title.value.trim() && title.value.trim() !== doc.title) body.title = title.value.trim();
          const itemId = item.value ? Number(item.value) : null;
          if (itemId !== doc.agenda_item_id) body.agenda_item_id = itemId;
          if (classification.value !== doc.classification) body.classification = classification.value;
          if (classification.value === "confidential") {
            const names = usernames(readers.value);
            if (knownReaders === null || names.join(",") !== knownReaders.join(",")) body.allowed_usernames = names;
          }
          const result = await this.ctx.act(submit, () => this.api.patch(`/api/documents/${doc.id}`, body));
          if (result.ok || (result.error && result.error.status === 409)) this.stopEdit(doc.id);
        },
      },
      field(t("field.title"), title, "field-wide"),
      field(t("upload.item"), item),
      field(t("upload.classification"), classification),
      readersField,
      h(
        "div",
        { class: "form-actions field-wide" },
        h(
          "button",
          { class: "btn btn-ghost btn-small", type: "button", onclick: () => this.stopEdit(doc.id) },
          t("common.cancel"),
        ),
        submit,
      ),
    );
    this.editing.set(
      doc.id,
      h("div", { class: "doc-admin is-editing", testid: `doc-${doc.id}`, "data-status": doc.status }, form),
    );
    this.render(state);
    title.focus();
  }

  stopEdit(docId) {
    this.editing.delete(docId);
    this.rows.delete(docId);
    if (this.ctx.live.state) this.render(this.ctx.live.state);
  }
}
