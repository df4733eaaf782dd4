// Private notes beside the page viewer: one note per page, saved as you type
// (debounced), and updated live when the same user edits it on another device.

import "./conduct-i18n.js";
import { t } from "./i18n.js";
import { h, showError } from "./ui.js";

const SAVE_AFTER_MS = 600;

export class NotesPanel {
  /**
   * @param {import("./api.js").Api} api
   * @param {import("./live.js").LiveMeeting} live
   * @param {{onToggle: () => void}} handlers
   */
  constructor(api, live, { onToggle }) {
    this.api = api;
    this.onToggle = onToggle;
    this.docId = null;
    this.page = 1;
    this.notes = new Map(); // page -> text, for the document shown
    this.pending = null; // {docId, page, text} waiting for the debounce
    this.timer = null;
    this.saving = 0; // saves sent and not yet answered
    this.loaded = null; // doc id whose notes are loaded
    this.button = h(
      "button",
      {
        class: "btn viewer-notes-toggle",
        type: "button",
        testid: "viewer-notes",
        title: t("notes.title"),
        "aria-pressed": "false",
        onclick: () => this.toggle(),
      },
      "✎ ",
      h("span", {}, t("notes.title")),
    );
    this.label = h("h3", { testid: "notes-page-label" }, "");
    this.status = h("p", { class: "muted notes-status", testid: "notes-status", "aria-live": "polite" });
    this.text = h("textarea", {
      class: "notes-text",
      testid: "notes-text",
      rows: "12",
      maxlength: "20000",
      placeholder: t("notes.placeholder"),
      oninput: () => this.typed(),
    });
    this.element = h(
      "aside",
      { class: "viewer-notes", testid: "viewer-notes-panel", hidden: true, "aria-label": t("notes.title") },
      this.label,
      this.text,
      this.status,
    );
    this.unsubscribe = live.onChange((_state, event) => {
      if (event && event.name === "note.changed" && event.data.document_id === this.docId) this.reload(event.data.page);
    });
  }

  get isOpen() {
    return !this.element.hidden;
  }

  toggle() {
    this.element.hidden = !this.element.hidden;
    this.button.setAttribute("aria-pressed", String(this.isOpen));
    if (this.isOpen) this.text.focus({ preventScroll: true });
    this.onToggle();
  }

  /** The viewer shows page `page` of `doc`: save what was typed on the previous page, show this one's. */
  async show(doc, page) {
    if (doc.id === this.docId && page === this.page && this.loaded === doc.id) return;
    this.flush();
    const switching = doc.id !== this.docId;
    this.docId = doc.id;
    this.page = page;
    this.label.textContent = t("notes.page", { page });
    this.element.dataset.page = String(page);
    if (switching || this.loaded !== doc.id) {
      // nothing typed before the saved notes arrive could be kept: the field waits for them
      this.text.readOnly = true;
      this.text.value = "";
      this.status.textContent = t("notes.loading");
      await this.load();
      if (doc.id !== this.docId) return;
      if (this.loaded !== doc.id) {
        this.status.textContent = t("notes.load_failed");
        return;
      }
      this.text.readOnly = false;
    }
    this.text.value = this.notes.get(page) || "";
    this.status.textContent = "";
  }

  async load() {
    const docId = this.docId;
    try {
      const notes = await this.api.get(`/api/documents/${docId}/notes`);
      if (docId !== this.docId) return;
      this.notes = new Map(notes.map((note) => [note.page, note.text]));
      // typing not yet saved is newer than anything the server could answer
      if (this.pending && this.pending.docId === docId) this.notes.set(this.pending.page, this.pending.text);
      this.loaded = docId;
    } catch (error) {
      showError(error);
    }
  }

  /**
   * Another device changed a note of this document: take it, unless this page has typing that is
   * not saved yet or a save still on its way (the answer read may predate it; its own echo follows).
   */
  async reload(page) {
    await this.load();
    const busy = (this.pending && this.pending.page === this.page) || this.saving > 0;
    if (page === this.page && !busy && this.text.value !== (this.notes.get(page) || "")) {
      this.text.value = this.notes.get(page) || "";
      this.status.textContent = t("notes.updated_elsewhere");
    }
  }

  typed() {
    this.pending = { docId: this.docId, page: this.page, text: this.text.value };
    this.notes.set(this.page, this.text.value);
    this.status.textContent = t("notes.saving");
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), SAVE_AFTER_MS);
  }

  /** Save the typing now (page turned, viewer closed, or the debounce ran out). */
  flush() {
    clearTimeout(this.timer);
    const pending = this.pending;
    this.pending = null;
    if (!pending || pending.docId == null) return;
    this.saving += 1;
    this.api
      .request("PUT", `/api/documents/${pending.docId}/notes/${pending.page}`, { text: pending.text })
      .then(() => {
        if (pending.docId === this.docId && pending.page === this.page && !this.pending) {
          this.status.textContent = t("notes.saved");
        }
      })
      .catch(showError)
      .finally(() => {
        this.saving -= 1;
      });
  }

  destroy() {
    this.flush();
    if (this.unsubscribe) this.unsubscribe();
  }
}
