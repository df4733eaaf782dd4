// Documents shown the same way on the tablet, the console and the projector:
// labels, badges, grouping by agenda item, and page images fetched with the session header.

import { ocrBadge } from "./doc-ocr.js";
import { getLang, t } from "./i18n.js";
import { numberedAgenda } from "./live.js";
import { h } from "./ui.js";

const SVG = "http://www.w3.org/2000/svg";
const ICONS = {
  doc: ["M6 2h8l5 5v13a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2z", "M14 2v5h5", "M8 13h8", "M8 17h6"],
  lock: ["M6 11h12v10H6z", "M8.5 11V8a3.5 3.5 0 0 1 7 0v3"],
  close: ["M6 6l12 12", "M18 6L6 18"],
  prev: ["M15 5l-7 7 7 7"],
  next: ["M9 5l7 7-7 7"],
  download: ["M12 4v11", "M7 10l5 5 5-5", "M5 20h14"],
  grid: ["M4 4h6v6H4z", "M14 4h6v6h-6z", "M4 14h6v6H4z", "M14 14h6v6h-6z"],
  present: ["M3 4h18v12H3z", "M12 16v4", "M8 20h8"],
  follow: ["M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12z", "M12 9a3 3 0 1 0 0 6 3 3 0 0 0 0-6z"],
  upload: ["M12 20V9", "M7 14l5-5 5 5", "M5 4h14"],
  search: ["M10.5 4a6.5 6.5 0 1 0 0 13 6.5 6.5 0 0 0 0-13z", "M15.5 15.5L20 20"],
  assistant: [
    "M12 3l1.9 4.6L18.5 9.5l-4.6 1.9L12 16l-1.9-4.6L5.5 9.5l4.6-1.9z",
    "M18 15l.9 2.1L21 18l-2.1.9L18 21l-.9-2.1L15 18l2.1-.9z",
  ],
  summary: ["M5 5h14", "M5 10h14", "M5 15h9", "M5 20h6"],
};

/** A small line icon (inline SVG; no icon font, no emoji font needed). */
export function icon(name, className = "icon") {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", className);
  svg.setAttribute("aria-hidden", "true");
  for (const d of ICONS[name] || []) {
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}

export function pagesText(count) {
  const n = Number(count) || 0;
  if (n === 1 && getLang() === "en") return t("doc.pages_one");
  return t("doc.pages", { n });
}

export function statusBadge(doc, error = null) {
  return h(
    "span",
    {
      class: `doc-status doc-status-${doc.status}`,
      title: error || null,
      testid: `doc-status-${doc.id}`,
    },
    doc.status === "processing" ? h("span", { class: "spinner", "aria-hidden": "true" }) : null,
    t(`doc.status.${doc.status}`),
  );
}

export function classificationTag(doc) {
  const confidential = doc.classification === "confidential";
  return h(
    "span",
    { class: `doc-class doc-class-${doc.classification}` },
    confidential ? icon("lock", "icon icon-lock") : null,
    t(`doc.class.${doc.classification}`),
  );
}

/** "Indexed for search": the assistant and search can find this document's current version. */
export function searchableBadge(doc) {
  if (!doc.searchable) return null;
  return h(
    "span",
    {
      class: "doc-searchable",
      testid: `doc-searchable-${doc.id}`,
      title: t("doc.searchable_hint"),
      "aria-label": t("doc.searchable_hint"),
    },
    icon("search"),
    h("span", { "aria-hidden": "true" }, t("doc.searchable")),
  );
}

/** The presented page of `doc`, within its pages (a new version may have fewer than the page presented). */
export function presentedPage(state, doc) {
  const page = state.presenting && state.presenting.page ? state.presenting.page : 1;
  return Math.min(Math.max(1, page), Math.max(1, doc.page_count));
}

/** Can its pages be shown? (A failed document has no readable pages.) */
export function isViewable(doc) {
  return doc && doc.status !== "failed" && doc.page_count > 0;
}

/**
 * Documents grouped the way the agenda reads: `{ byItem: Map(item id -> docs), general: docs }`.
 * A document whose item is unknown to this state counts as general.
 */
export function groupDocuments(state) {
  const itemIds = new Set(state.agenda.map((item) => item.id));
  const byItem = new Map();
  const general = [];
  for (const doc of state.documents || []) {
    if (doc.agenda_item_id != null && itemIds.has(doc.agenda_item_id)) {
      if (!byItem.has(doc.agenda_item_id)) byItem.set(doc.agenda_item_id, []);
      byItem.get(doc.agenda_item_id).push(doc);
    } else {
      general.push(doc);
    }
  }
  return { byItem, general };
}

/** `<option>`s: general first, then every agenda item with its number. */
export function itemOptions(state, selected) {
  const rows = numberedAgenda(state.agenda);
  return [
    h("option", { value: "", selected: selected == null }, t("upload.general")),
    ...rows.map(({ item, number, depth }) =>
      h(
        "option",
        { value: String(item.id), selected: item.id === selected },
        `${depth ? "\u2003" : ""}${number}. ${item.title}`,
      ),
    ),
  ];
}

export function itemLabel(state, itemId) {
  if (itemId == null) return t("doc.general");
  const row = numberedAgenda(state.agenda).find((candidate) => candidate.item.id === itemId);
  return row ? `${t("doc.item")} ${row.number}` : t("doc.general");
}

/** The document's entry in a list: a big button that opens it. */
export function documentEntry(doc, { onOpen, error = null, presenting = false }) {
  const viewable = isViewable(doc);
  return h(
    "button",
    {
      class: `doc-entry${presenting ? " is-presenting" : ""}`,
      type: "button",
      testid: `doc-${doc.id}`,
      "data-status": doc.status,
      "data-classification": doc.classification,
      "data-searchable": doc.searchable ? "true" : "false",
      disabled: !viewable,
      title: error || null,
      onclick: viewable ? () => onOpen(doc) : null,
    },
    icon("doc", "icon doc-icon"),
    h(
      "span",
      { class: "doc-entry-text" },
      h("span", { class: "doc-title" }, doc.title),
      h(
        "span",
        { class: "doc-meta" },
        doc.classification === "confidential" ? classificationTag(doc) : null,
        h("span", {}, pagesText(doc.page_count)),
        searchableBadge(doc),
        ocrBadge(doc),
        presenting ? h("span", { class: "doc-live" }, t("present.active")) : null,
      ),
    ),
    statusBadge(doc, error),
  );
}

// ---------- page images ----------

export const WIDTH_STEP = 160;
const MAX_WIDTH = 2880;

/** The width to ask the server for: the element's width in device pixels, rounded up to a step (shared cache). */
export function stepWidth(cssWidth) {
  const pixels = Math.max(1, cssWidth) * (window.devicePixelRatio || 1);
  return Math.min(MAX_WIDTH, Math.max(WIDTH_STEP, Math.ceil(pixels / WIDTH_STEP) * WIDTH_STEP));
}

export function pageUrl(doc, page, width) {
  const params = new URLSearchParams({ width: String(width), format: "webp", version: String(doc.current_version) });
  return `/api/documents/${doc.id}/pages/${page}?${params}`;
}

/**
 * Page images as object URLs, fetched with the session header and kept in a small LRU
 * (one request per page and width, however often it is shown).
 */
export class PageImages {
  constructor(api, limit = 80) {
    this.api = api;
    this.limit = limit;
    this.cache = new Map(); // url -> Promise<string>
  }

  /** Resolves to an object URL for `page` of `doc` at `width` device pixels. */
  load(doc, page, width) {
    const url = pageUrl(doc, page, width);
    const cached = this.cache.get(url);
    if (cached) {
      this.cache.delete(url);
      this.cache.set(url, cached);
      return cached;
    }
    const promise = this.api.blob(url).then((blob) => URL.createObjectURL(blob));
    promise.catch(() => this.cache.delete(url));
    this.cache.set(url, promise);
    while (this.cache.size > this.limit) {
      const [oldest, evicted] = this.cache.entries().next().value;
      this.cache.delete(oldest);
      // an <img> that shows it has decoded it already; the URL itself can go
      evicted.then(
        (objectUrl) => setTimeout(() => URL.revokeObjectURL(objectUrl), 30000),
        () => {},
      );
    }
    return promise;
  }

  /** Warm the cache; errors are for whoever shows the page. */
  preload(doc, page, width) {
    if (page >= 1 && page <= doc.page_count) this.load(doc, page, width).catch(() => {});
  }

  clear() {
    for (const promise of this.cache.values())
      promise.then(
        (objectUrl) => URL.revokeObjectURL(objectUrl),
        () => {},
      );
    this.cache.clear();
  }
}
