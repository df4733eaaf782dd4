// A citation's place on the tablet (kiosk/js/citation-place.js): the section's short name before the page.
import assert from "node:assert/strict";
import { test } from "node:test";

import { citationPlace, sectionLabel } from "../../kiosk/js/citation-place.js";

test("an article's heading gives its number", () => {
  assert.equal(sectionLabel("Điều 143. Quyền của người lao động"), "Điều 143");
  assert.equal(citationPlace({ heading: "Điều 143. Quyền của người lao động" }, "Trang 12"), "Điều 143 — Trang 12");
});

test("chapters, numbered sections and plain headings", () => {
  assert.equal(sectionLabel("Chương II"), "Chương II");
  assert.equal(sectionLabel("2.1 Kết quả đạt được"), "2.1");
  assert.equal(sectionLabel("Section 4 Budget"), "Section 4");
  assert.equal(sectionLabel("Department of Finance"), "Department of Finance");
  assert.equal(sectionLabel("x".repeat(60)).length, 40);
});

test("no heading leaves the page alone", () => {
  assert.equal(citationPlace({ heading: null }, "Page 3"), "Page 3");
  assert.equal(citationPlace({}, "Page 3"), "Page 3");
});
