// The assistant panel's search mode: one search over everything the assistant reads (documents, transcripts,
// conclusions, tasks, votes, approved minutes), narrowed by kind; each hit opens like a citation.

import { DICTIONARIES, t } from "./i18n.js";
import { fill, h } from "./ui.js";

export const SEARCH_KINDS = ["document", "transcript", "conclusion", "task", "poll", "minutes"];
const LIMIT = 20;

Object.assign(DICTIONARIES.vi, {
  "assistant.mode_label": "Chế độ",
  "assistant.mode_ask": "Hỏi trợ lý",
  "assistant.mode_search": "Tìm kiếm",
  "assistant.search": "Tìm",
  "assistant.searching": "Đang tìm…",
  "assistant.search_placeholder": "Tìm trong tài liệu, phiên âm, kết luận…",
  "assistant.search_label": "Nội dung cần tìm",
  "assistant.kinds_label": "Loại nội dung",
  "assistant.kind_all": "Tất cả",
  "assistant.kind.document": "Tài liệu",
  "assistant.kind.transcript": "Phiên âm",
  "assistant.kind.conclusion": "Kết luận",
  "assistant.kind.task": "Nhiệm vụ",
  "assistant.kind.poll": "Biểu quyết",
  "assistant.kind.minutes": "Biên bản",
  "assistant.you_searched": "Tìm",
  "assistant.hits": "Kết quả ({n})",
  "assistant.no_hits": "Không tìm thấy nội dung nào.",
  "assistant.search_hint": "Tìm cùng lúc trong tài liệu, phiên âm, kết luận, nhiệm vụ, biểu quyết và biên bản.",
});
Object.assign(DICTIONARIES.en, {
  "assistant.mode_label": "Mode",
  "assistant.mode_ask": "Ask",
  "assistant.mode_search": "Search",
  "assistant.search": "Search",
  "assistant.searching": "Searching…",
  "assistant.search_placeholder": "Search documents, transcripts, conclusions…",
  "assistant.search_label": "Search for",
  "assistant.kinds_label": "Kinds",
  "assistant.kind_all": "All",
  "assistant.kind.document": "Documents",
  "assistant.kind.transcript": "Transcripts",
  "assistant.kind.conclusion": "Conclusions",
  "assistant.kind.task": "Tasks",
  "assistant.kind.poll": "Votes",
  "assistant.kind.minutes": "Minutes",
  "assistant.you_searched": "Searched",
  "assistant.hits": "Results ({n})",
  "assistant.no_hits": "Nothing found.",
  "assistant.search_hint": "Searches documents, transcripts, conclusions, tasks, votes and minutes at once.",
});

/** The query string of a search: the scope's meeting, and the kinds chosen (none: every kind). */
export function searchParams(query, meetingId, kinds) {
  const params = new URLSearchParams({ q: query, limit: String(LIMIT) });
  if (meetingId !== null && meetingId !== undefined) params.set("meeting_id", String(meetingId));
  const chosen = SEARCH_KINDS.filter((kind) => kinds.has(kind));
  if (chosen.length) params.set("kind", chosen.join(","));
  return params;
}

export class MaterialsSearch {
  /** @param {import("./assistant.js").AssistantPanel} panel */
  constructor(panel) {
    this.panel = panel;
    this.kinds = new Set(); // empty: every kind
    this.query = "";
    this.hits = null;
    this.busy = false;
    this.error = null;
    this.token = 0;
    this.kindGroup = null;
  }

  /** The row of kinds to narrow to; a tap toggles one, "All" clears them, and a search shown is run again. */
  buildKinds() {
    this.kindGroup = h("div", {
      class: "assistant-kinds",
      role: "group",
      testid: "search-kinds",
      "aria-label": t("assistant.kinds_label"),
    });
    this.renderKinds();
    return this.kindGroup;
  }

  renderKinds() {
    if (!this.kindGroup) return;
    this.kindGroup.hidden = this.panel.mode !== "search";
    const chip = (kind, label, on, toggle) =>
      h(
        "button",
        {
          class: `kind-chip${on ? " is-on" : ""}`,
          type: "button",
          testid: `search-kind-${kind}`,
          "aria-pressed": on ? "true" : "false",
          onclick: toggle,
        },
        label,
      );
    fill(
      this.kindGroup,
      chip("all", t("assistant.kind_all"), this.kinds.size === 0, () => this.setKinds(new Set())),
      ...SEARCH_KINDS.map((kind) =>
        chip(kind, t(`assistant.kind.${kind}`), this.kinds.has(kind), () => {
          const next = new Set(this.kinds);
          if (next.has(kind)) next.delete(kind);
          else next.add(kind);
          this.setKinds(next.size === SEARCH_KINDS.length ? new Set() : next);
        }),
      ),
    );
  }

  setKinds(kinds) {
    this.kinds = kinds;
    this.renderKinds();
    if (this.query) this.run(this.query);
  }

  async run(text) {
    const query = String(text || "").trim();
    if (!query) {
      this.error = t("assistant.empty_question");
      this.panel.renderResult();
      return;
    }
    const token = ++this.token;
    this.query = query;
    this.busy = true;
    this.error = null;
    this.panel.renderResult();
    const meetingId = this.panel.scope === "meeting" ? this.panel.meetingId : null;
    let found = false;
    try {
      const reply = await this.panel.api.get(`/api/search?${searchParams(query, meetingId, this.kinds)}`);
      if (token !== this.token) return;
      this.hits = reply.hits;
      found = true;
    } catch (error) {
      if (token !== this.token) return;
      this.error = error.detail || String(error);
    } finally {
      if (token === this.token) {
        this.busy = false;
        this.panel.renderResult();
        if (found) this.panel.reveal(); // the hits, not the controls above them, in sight
      }
    }
  }

  /** The hits (or the search's state) in `box`. */
  render(box) {
    if (this.busy) {
      fill(
        box,
        h(
          "div",
          { class: "assistant-busy", testid: "search-busy", role: "status" },
          h("span", { class: "spinner", "aria-hidden": "true" }),
          h("span", {}, t("assistant.searching")),
        ),
      );
      return;
    }
    if (this.error) {
      fill(box, h("p", { class: "form-error", role: "alert", testid: "search-error" }, this.error));
      return;
    }
    if (this.hits === null) {
      fill(box, h("p", { class: "assistant-hint muted" }, t("assistant.search_hint")));
      return;
    }
    const asked = h(
      "p",
      { class: "assistant-question", testid: "search-query" },
      h("span", { class: "meta-label" }, `${t("assistant.you_searched")}: `),
      this.query,
    );
    if (!this.hits.length) {
      fill(box, asked, h("p", { class: "muted", testid: "search-empty" }, t("assistant.no_hits")));
      return;
    }
    fill(
      box,
      asked,
      h(
        "div",
        { class: "assistant-citations", testid: "search-hits" },
        h("h3", { class: "assistant-subtitle" }, t("assistant.hits", { n: this.hits.length })),
        h(
          "ol",
          { class: "citation-list" },
          ...this.hits.map((hit) => h("li", {}, this.panel.citation(hit, { answer: "" }, hit.highlights || []))),
        ),
      ),
    );
  }
}
