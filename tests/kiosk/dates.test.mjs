// Dates as people read them (kiosk/js/dates.js): the organisation's zone, dd/mm/yyyy and 24 h in Vietnamese.
import assert from "node:assert/strict";
import { test } from "node:test";

import { formatDateIn, formatDateTimeIn, formatTimeIn } from "../../kiosk/js/dates.js";

const HANOI = "Asia/Ho_Chi_Minh";
// 02:44 on Sunday 6 December in Hà Nội is still Saturday 5 December in UTC
const EARLY = "2026-12-05T19:44:00Z";

test("a moment is given in the organisation's zone, day first, 24 h", () => {
  assert.equal(formatDateTimeIn(EARLY, "vi", HANOI), "Chủ Nhật, 06/12/2026 02:44");
  assert.equal(formatDateTimeIn("2026-12-06T08:05:00Z", "vi", HANOI, { weekday: false }), "06/12/2026 15:05");
  assert.equal(formatTimeIn(EARLY, HANOI), "02:44");
  assert.equal(formatDateIn(EARLY, "vi", HANOI), "06/12/2026");
});

test("English keeps its own format in the same zone", () => {
  assert.equal(formatDateTimeIn(EARLY, "en", HANOI), "Sunday, 06/12/2026, 02:44");
});

test("a deadline is a calendar day, shown as dd/mm/yyyy whatever the zone", () => {
  assert.equal(formatDateIn("2026-12-20", "vi", HANOI), "20/12/2026");
  assert.equal(formatDateIn("2026-12-20", "en", "America/Los_Angeles"), "20/12/2026");
});

test("nothing or nonsense gives an empty text", () => {
  assert.equal(formatDateTimeIn(null, "vi", HANOI), "");
  assert.equal(formatDateIn("soon", "vi", HANOI), "");
  assert.equal(formatTimeIn("", HANOI), "");
});
