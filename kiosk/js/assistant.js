// The assistant ("Trợ lý ảo") of the tablet and the console: ask about the materials, read the
// answer with its citations (a tap opens a document at its page, a transcript at its span of turns;
// a declined question lists the passages that may help), search everything by kind
// (assistant-search.js), and the asker's recent questions.
//
// One panel per meeting view; `build()` draws it again (a language switch) from what it holds,
// so the answer shown and the text typed survive.

import { MaterialsSearch } from "./assistant-search.js";
import { citationPlace } from "./citation-place.js";
import { icon, isViewable } from "./documents.js";
import { DICTIONARIES, formatDateTime, formatTime, t } from "./i18n.js";
import { citationLabel, openTranscript, transcriptSpan, transcriptSpanLabel } from "./transcripts.js";
import { fill, h, showError } from "./ui.js";

Object.assign(DICTIONARIES.vi, {
  "assistant.may_help": "Các đoạn có thể liên quan",
  "assistant.open_transcript": "Mở “{title}” tại {span}",
});
Object.assign(DICTIONARIES.en, {
  "assistant.may_help": "These passages may help",
  "assistant.open_transcript": "Open “{title}” at {span}",
});

const HISTORY_LIMIT = 6;
const SCOPES = ["meeting", "all"];
const MODES = ["ask", "search"];

/** Answer sentences found in `snippet`, as [start, end] spans (where the answer was read). */
function answerSpans(snippet, answer) {
  const spans = [];
  for (const sentence of String(answer || "").split(/(?<=[.!?…])\s+/)) {
    const needle = sentence.trim().replace(/[.!?…]+$/, "");
    if (needle.length < 16) continue;
    const start = snippet.indexOf(needle);
    if (start >= 0) spans.push([start, start + needle.length]);
  }
  return spans.sort((a, b) => a[0] - b[0]);
}

function marked(text, spans) {
  const parts = [];
  let at = 0;
  for (const [start, end] of spans) {
    if (start < at) continue;
    parts.push(text.slice(at, start), h("mark", {}, text.slice(start, end)));
    at = end;
  }
  parts.push(text.slice(at));
  return parts;
}

function askedAt(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return date.toDateString() === new Date().toDateString() ? formatTime(iso) : formatDateTime(iso);
}

export class AssistantPanel {
  /** @param {{api: import("./api.js").Api, live: import("./live.js").LiveMeeting, viewer: import("./doc-viewer.js").DocumentViewer}} ctx */
  constructor({ api, live, viewer }) {
    this.api = api;
    this.live = live;
    this.viewer = viewer;
    this.scope = "meeting";
    this.draft = "";
    this.result = null; // {question, answer, found, citations, fromHistory}
    this.error = null;
    this.asking = false;
    this.askToken = 0;
    this.history = null; // null: not loaded yet
    this.historyToken = 0;
    this.element = null;
    this.mode = "ask"; // or "search": one search over every kind of material (assistant-search.js)
    this.finder = new MaterialsSearch(this);
  }

  get meetingId() {
    return this.live.meetingId;
  }

  /** The panel's element, drawn anew in the current language. */
  build() {
    this.input = h("input", {
      class: "assistant-input",
      type: "text",
      testid: "assistant-input",
      id: `assistant-input-${this.meetingId}`,
      maxlength: "1000",
      autocomplete: "off",
      enterkeyhint: "send",
      placeholder: t(this.mode === "search" ? "assistant.search_placeholder" : "assistant.placeholder"),
      "aria-label": t(this.mode === "search" ? "assistant.search_label" : "assistant.label"),
      value: this.draft,
      oninput: () => {
        this.draft = this.input.value;
      },
    });
    this.askButton = h(
      "button",
      { class: "btn btn-primary assistant-ask", type: "submit", testid: "assistant-ask" },
      t("assistant.ask"),
    );
    this.scopeGroup = h("div", {
      class: "assistant-scope",
      role: "group",
      testid: "assistant-scope",
      "aria-label": t("assistant.scope_label"),
    });
    this.modeGroup = h("div", {
      class: "assistant-scope assistant-mode",
      role: "group",
      testid: "assistant-mode",
      "aria-label": t("assistant.mode_label"),
    });
    this.resultBox = h("div", { class: "assistant-result", "aria-live": "polite", testid: "assistant-result" });
    this.historyBox = h("div", { class: "assistant-history", testid: "assistant-history" });
    this.element = h(
      "section",
      {
        class: "card assistant-card",
        testid: "assistant-panel",
        "aria-labelledby": `assistant-title-${this.meetingId}`,
      },
      h(
        "h2",
        { class: "card-title assistant-title", id: `assistant-title-${this.meetingId}` },
        icon("assistant", "icon assistant-icon"),
        t("assistant.title"),
      ),
      this.modeGroup,
      h(
        "form",
        {
          class: "assistant-form",
          role: "search",
          onsubmit: (event) => {
            event.preventDefault();
            if (this.mode === "search") this.finder.run(this.input.value);
            else this.ask(this.input.value);
          },
        },
        this.input,
        this.askButton,
      ),
      this.scopeGroup,
      this.finder.buildKinds(),
      this.resultBox,
      this.historyBox,
    );
    this.renderScope();
    this.renderMode();
    this.renderResult();
    this.renderHistory();
    if (this.history === null) this.loadHistory();
    return this.element;
  }

  // ---------- asking ----------

  async ask(text) {
    const question = String(text || "").trim();
    if (!question) {
      this.error = t("assistant.empty_question");
      this.renderResult();
      this.input.focus();
      return;
    }
    const token = ++this.askToken;
    this.asking = true;
    this.error = null;
    this.pending = question;
    this.renderResult();
    let answered = false;
    try {
      const body = { question, meeting_id: this.meetingId, scope: this.scope };
      const reply = await this.api.post("/api/assistant/ask", body);
      if (token !== this.askToken) return;
      this.result = { ...reply, fromHistory: false };
      this.draft = "";
      if (this.input.isConnected) this.input.value = "";
      this.loadHistory();
      answered = true;
    } catch (error) {
      if (token !== this.askToken) return;
      this.error = error.detail || String(error);
    } finally {
      if (token === this.askToken) {
        this.asking = false;
        this.renderResult();
        if (answered) this.reveal();
      }
    }
  }

  setScope(scope) {
    if (scope === this.scope) return;
    this.scope = scope;
    this.renderScope();
    this.loadHistory();
    if (this.mode === "search" && this.finder.query) this.finder.run(this.finder.query);
  }

  setMode(mode) {
    if (mode === this.mode) return;
    this.mode = mode;
    this.input.placeholder = t(mode === "search" ? "assistant.search_placeholder" : "assistant.placeholder");
    this.input.setAttribute("aria-label", t(mode === "search" ? "assistant.search_label" : "assistant.label"));
    this.renderMode();
    this.finder.renderKinds();
    this.renderResult();
  }

  renderMode() {
    if (!this.modeGroup) return;
    this.modeGroup.dataset.mode = this.mode;
    fill(
      this.modeGroup,
      ...MODES.map((mode) =>
        h(
          "button",
          {
            class: `scope-option${mode === this.mode ? " is-on" : ""}`,
            type: "button",
            testid: `assistant-mode-${mode}`,
            "aria-pressed": mode === this.mode ? "true" : "false",
            onclick: () => this.setMode(mode),
          },
          t(`assistant.mode_${mode}`),
        ),
      ),
    );
  }

  // ---------- recent questions ----------

  async loadHistory() {
    const token = ++this.historyToken;
    // a question asked across all meetings is kept without a meeting: the list follows the scope
    const params = new URLSearchParams({ limit: String(HISTORY_LIMIT) });
    if (this.scope === "meeting") params.set("meeting_id", String(this.meetingId));
    try {
      const rows = await this.api.get(`/api/assistant/history?${params}`);
      if (token !== this.historyToken) return;
      this.history = rows;
    } catch {
      if (token !== this.historyToken) return;
      this.history = this.history || [];
    }
    this.renderHistory();
  }

  showFromHistory(entry) {
    // an answer some of whose sources the asker may no longer read comes back empty: ask again
    if (!entry.answer) {
      this.ask(entry.question);
      return;
    }
    this.askToken += 1;
    this.asking = false;
    this.error = null;
    this.result = { ...entry, fromHistory: true };
    this.renderResult();
    this.renderHistory();
    this.reveal();
  }

  /** Bring the question and its answer to the top of the panel's scroller: on a tablet whose side column is
   * short (1024x768 with the check-in card above it) the panel's own top would leave the answer out of sight. */
  reveal() {
    const target = this.resultBox && this.resultBox.isConnected ? this.resultBox : this.element;
    if (target && target.isConnected) target.scrollIntoView({ block: "start", behavior: "smooth" });
  }

  // ---------- opening a cited page ----------

  async openCitation(citation) {
    if (citation.kind === "transcript") {
      // read-only, at the cited span of turns: the dialog reads the transcript through its permission-checked route
      const span = transcriptSpan(citation);
      const transcriptId = citation.transcript_id ?? citation.source_id;
      openTranscript(this.api, citation.meeting_id, transcriptId, span.first, span.last);
      return;
    }
    const state = this.live.state;
    const known = state && (state.documents || []).find((doc) => doc.id === citation.document_id);
    let doc = known;
    if (!known) {
      // a document of another meeting is not in this meeting's state: the viewer loads it by id
      try {
        doc = await this.api.get(`/api/documents/${citation.document_id}`);
      } catch (error) {
        showError(error);
        return;
      }
    }
    if (!isViewable(doc)) {
      showError(t("doc.not_viewable"));
      return;
    }
    this.viewer.open(doc.id, { page: citation.page, source: "cite", doc });
  }

  // ---------- drawing ----------

  renderScope() {
    if (!this.scopeGroup) return;
    this.scopeGroup.dataset.scope = this.scope;
    fill(
      this.scopeGroup,
      ...SCOPES.map((scope) =>
        h(
          "button",
          {
            class: `scope-option${scope === this.scope ? " is-on" : ""}`,
            type: "button",
            testid: `assistant-scope-${scope}`,
            "data-scope": scope,
            "aria-pressed": scope === this.scope ? "true" : "false",
            onclick: () => this.setScope(scope),
          },
          t(`assistant.scope_${scope}`),
        ),
      ),
    );
  }

  renderResult() {
    if (!this.resultBox) return;
    if (this.mode === "search") {
      this.askButton.disabled = this.finder.busy;
      this.askButton.textContent = t("assistant.search");
      this.resultBox.setAttribute("aria-busy", this.finder.busy ? "true" : "false");
      this.finder.render(this.resultBox);
      return;
    }
    this.askButton.disabled = this.asking;
    this.askButton.textContent = this.asking ? t("assistant.asking") : t("assistant.ask");
    this.resultBox.setAttribute("aria-busy", this.asking ? "true" : "false");
    if (this.asking) {
      fill(
        this.resultBox,
        h(
          "div",
          { class: "assistant-busy", testid: "assistant-busy", role: "status" },
          h("span", { class: "spinner", "aria-hidden": "true" }),
          h("span", {}, t("assistant.busy")),
          h("q", { class: "assistant-busy-question" }, this.pending),
        ),
      );
      return;
    }
    if (this.error) {
      fill(this.resultBox, h("p", { class: "form-error", role: "alert", testid: "assistant-error" }, this.error));
      return;
    }
    const result = this.result;
    if (!result) {
      fill(this.resultBox, h("p", { class: "assistant-hint muted" }, t("assistant.hint")));
      return;
    }
    const question = h(
      "p",
      { class: "assistant-question", testid: "assistant-question" },
      h("span", { class: "meta-label" }, `${t("assistant.you_asked")}: `),
      result.question,
    );
    const citations = (result.citations || []).length ? this.citationList(result) : null;
    if (!result.found) {
      fill(
        this.resultBox,
        question,
        h(
          "div",
          { class: "assistant-not-found", testid: "assistant-not-found", role: "status", lang: result.language },
          h("strong", {}, inLanguage(result.language, "assistant.not_found_title")),
          h("p", {}, result.answer || t("assistant.not_found_text")),
        ),
        citations, // passages that may help, in rank order, when the API gives them
      );
      return;
    }
    fill(
      this.resultBox,
      question,
      h(
        "div",
        { class: "assistant-answer", testid: "assistant-answer", "data-phrased-by": result.phrased_by || "" },
        h("p", { class: "assistant-answer-text" }, result.answer),
      ),
      citations,
    );
  }

  citationList(result) {
    const heading = result.found
      ? t("assistant.sources", { n: result.citations.length })
      : inLanguage(result.language, "assistant.may_help");
    return h(
      "div",
      { class: `assistant-citations${result.found ? "" : " is-may-help"}`, testid: "assistant-citations" },
      h("h3", { class: "assistant-subtitle", testid: "assistant-citations-title" }, heading),
      h(
        "ol",
        { class: "citation-list" },
        ...result.citations.map((citation) => h("li", {}, this.citation(citation, result))),
      ),
    );
  }

  /** One citation: a document page or a transcript's span of turns opens where it was cited; a meeting record
   * (conclusion, task, vote, minutes) is shown with its kind. */
  citation(citation, result, spans = answerSpans(citation.snippet, result.answer)) {
    const kind = citation.kind || "document";
    const snippet = h(
      "span",
      { class: "citation-snippet", testid: "assistant-citation-snippet" },
      ...marked(citation.snippet, spans),
    );
    const elsewhere =
      citation.meeting_id !== this.meetingId
        ? h("span", { class: "citation-meeting" }, t("assistant.other_meeting"))
        : null;
    const attributes = {
      class: `citation citation-${kind.startsWith("minutes") ? "minutes" : kind}`,
      testid: "assistant-citation",
      "data-kind": kind,
      "data-document-id": String(citation.document_id),
      "data-page": String(citation.page),
      "data-meeting-id": String(citation.meeting_id),
    };
    if (kind === "document") {
      return h(
        "button",
        {
          ...attributes,
          type: "button",
          title: t("assistant.open_citation", { title: citation.title, page: citation.page }),
          onclick: () => this.openCitation(citation),
        },
        h(
          "span",
          { class: "citation-head" },
          icon("doc", "icon citation-icon"),
          h("span", { class: "citation-title" }, citation.title),
          h(
            "span",
            { class: "citation-page", testid: "assistant-citation-page" },
            citationPlace(citation, t("assistant.page", { page: citation.page })),
          ),
        ),
        elsewhere,
        snippet,
      );
    }
    if (kind === "transcript") {
      const span = transcriptSpan(citation);
      const label = transcriptSpanLabel(citation);
      return h(
        "button",
        {
          ...attributes,
          type: "button",
          "data-transcript-id": String(citation.transcript_id ?? citation.source_id),
          "data-turn": String(span.first),
          "data-turn-last": String(span.last),
          title: t("assistant.open_transcript", { title: citation.title, span: label }),
          onclick: () => this.openCitation(citation),
        },
        h(
          "span",
          { class: "citation-head" },
          icon("summary", "icon citation-icon"),
          h("span", { class: "citation-title" }, citation.title),
        ),
        h("span", { class: "citation-span", testid: "assistant-citation-span" }, label),
        elsewhere,
        snippet,
      );
    }
    return h(
      "div",
      attributes,
      h(
        "span",
        { class: "citation-head" },
        icon("summary", "icon citation-icon"),
        h("span", { class: "citation-title" }, citation.title),
      ),
      // the kind on a line of its own: as a pill beside the title it squeezed a long task title to a word a line
      h("span", { class: "citation-span citation-kind", testid: "assistant-citation-kind" }, citationLabel(citation)),
      elsewhere,
      snippet,
    );
  }

  renderHistory() {
    if (!this.historyBox) return;
    const title = h("h3", { class: "assistant-subtitle" }, t("assistant.history"));
    if (this.history === null) {
      fill(this.historyBox, title, h("p", { class: "muted small" }, t("common.loading")));
      return;
    }
    if (!this.history.length) {
      fill(
        this.historyBox,
        title,
        h("p", { class: "muted small", testid: "assistant-history-empty" }, t("assistant.history_empty")),
      );
      return;
    }
    const shownId = this.result && this.result.fromHistory ? this.result.id : null;
    fill(
      this.historyBox,
      title,
      h(
        "ul",
        { class: "history-list" },
        ...this.history.map((entry) =>
          h(
            "li",
            {},
            h(
              "button",
              {
                class: `history-item${entry.id === shownId ? " is-shown" : ""}`,
                type: "button",
                testid: "assistant-history-item",
                "data-question-id": String(entry.id),
                "data-found": entry.found ? "true" : "false",
                "aria-current": entry.id === shownId ? "true" : null,
                onclick: () => this.showFromHistory(entry),
              },
              h("span", { class: "history-question" }, entry.question),
              h(
                "span",
                { class: "history-meta" },
                h("span", {}, askedAt(entry.created_at)),
                entry.found
                  ? h("span", {}, t("assistant.sources_short", { n: entry.citations.length }))
                  : h("span", { class: "history-not-found" }, t("assistant.not_found_title")),
              ),
            ),
          ),
        ),
      ),
    );
  }
}

/** `key` in the answer's own language (an English question on a Vietnamese screen is answered in English). */
function inLanguage(language, key) {
  return (DICTIONARIES[language] || {})[key] ?? t(key);
}
