// Where a citation points, as a tablet shows it: "Điều 143 — Trang 12" when the cited passage is under a
// heading of its document, else the page alone. Pure: the page label is passed in (already translated).

const SECTION = /^((?:\p{L}+\s+)?(?:\d+[a-zđ]?|[IVXLC]+)(?:\.\d+)*)(?=[.:)]?(?:\s|$))/u;
const MAX_LABEL = 40;

/** The short name of a section from its heading: "Điều 143" of "Điều 143. Quyền của ...", "2.1" of
 * "2.1 Kết quả", "Chương II"; a heading without a number is kept whole (cut to 40 characters). */
export function sectionLabel(heading) {
  if (!heading) return "";
  const text = heading.trim();
  const match = SECTION.exec(text);
  const label = match ? match[1] : text;
  return label.length > MAX_LABEL ? `${label.slice(0, MAX_LABEL - 1)}…` : label;
}

/** "<section> — <page label>", or the page label alone when the citation has no heading. */
export function citationPlace(citation, pageLabel) {
  const label = sectionLabel(citation.heading);
  return label ? `${label} — ${pageLabel}` : pageLabel;
}
