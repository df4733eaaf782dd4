// The viewer's "Summary": a document's key sentences (GET /api/documents/{id}/summary), each with
// the page it comes from; tapping the page number turns the viewer to it.

import { icon } from "./documents.js";
import { t } from "./i18n.js";
import { fill, h } from "./ui.js";

export class SummaryPanel {
  /**
   * @param {import("./api.js").Api} api
   * @param {{onPage: (page: number) => void, onToggle: () => void}} handlers
   */
  constructor(api, { onPage, onToggle }) {
    this.api = api;
    this.onPage = onPage;
    this.onToggle = onToggle;
    this.doc = null;
    this.key = null; // "id:version" of the document summarised
    this.sentences = null;
    this.button = h(
      "button",
      {
        class: "btn viewer-summary-toggle",
        type: "button",
        testid: "viewer-summary",
        title: t("summary.title"),
        "aria-pressed": "false",
        "aria-controls": "viewer-summary-panel",
        onclick: () => this.toggle(),
      },
      icon("summary"),
      h("span", {}, t("summary.button")),
    );
    this.body = h("div", { class: "summary-body", "aria-live": "polite" });
    this.element = h(
      "aside",
      {
        class: "viewer-summary",
        id: "viewer-summary-panel",
        testid: "viewer-summary-panel",
        hidden: true,
        "aria-label": t("summary.title"),
      },
      h(
        "div",
        { class: "summary-head" },
        h("h3", {}, t("summary.title")),
        h(
          "button",
          {
            class: "btn viewer-tool",
            type: "button",
            title: t("common.close"),
            "aria-label": t("common.close"),
            testid: "viewer-summary-close",
            onclick: () => this.close(),
          },
          icon("close"),
        ),
      ),
      h("p", { class: "summary-hint" }, t("summary.hint")),
      this.body,
    );
  }

  get isOpen() {
    return !this.element.hidden;
  }

  /** The viewer shows `doc` (called on every change of it: cheap unless its version changed). */
  show(doc) {
    this.doc = doc;
    // the summary is of the current version's text: none while a new version is being processed
    this.button.hidden = doc.status !== "ready";
    if (this.button.hidden && this.isOpen) this.close();
    const key = `${doc.id}:${doc.current_version}`;
    if (key === this.key) return;
    this.key = key;
    this.sentences = null;
    if (this.isOpen) this.load();
  }

  toggle() {
    if (this.isOpen) this.close();
    else this.open();
  }

  open() {
    this.element.hidden = false;
    this.button.setAttribute("aria-pressed", "true");
    this.load();
    this.onToggle();
  }

  close() {
    if (!this.isOpen) return;
    this.element.hidden = true;
    this.button.setAttribute("aria-pressed", "false");
    this.onToggle();
  }

  async load() {
    if (this.sentences) {
      this.render();
      return;
    }
    const key = this.key;
    fill(
      this.body,
      h(
        "p",
        { class: "summary-status" },
        h("span", { class: "spinner", "aria-hidden": "true" }),
        ` ${t("summary.loading")}`,
      ),
    );
    try {
      const summary = await this.api.get(`/api/documents/${this.doc.id}/summary`);
      if (key !== this.key) return;
      this.sentences = summary.sentences || [];
      this.render();
    } catch (error) {
      if (key !== this.key) return;
      fill(this.body, h("p", { class: "form-error", role: "alert" }, error.detail || String(error)));
    }
  }

  render() {
    if (!this.sentences.length) {
      fill(this.body, h("p", { class: "summary-status" }, t("summary.empty")));
      return;
    }
    fill(
      this.body,
      h(
        "ol",
        { class: "summary-list", testid: "summary-list" },
        ...this.sentences.map((sentence) =>
          h(
            "li",
            {
              class: "summary-sentence",
              testid: "summary-sentence",
              "data-page": String(sentence.page),
            },
            h(
              "button",
              {
                class: "summary-page",
                type: "button",
                testid: "summary-page",
                "data-page": String(sentence.page),
                title: t("viewer.go_page", { page: sentence.page }),
                onclick: () => this.onPage(sentence.page),
              },
              t("summary.page", { page: sentence.page }),
            ),
            h("p", { class: "summary-text" }, sentence.text),
          ),
        ),
      ),
    );
  }
}
