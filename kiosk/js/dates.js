// Dates and times as people read them: in the organisation's time zone (the server's ICABINET_TIMEZONE, sent
// with /api/me), not the tablet's; Vietnamese as dd/mm/yyyy with a 24-hour clock, English in its own (en-GB)
// format. Pure functions of their arguments, so node --test checks them (tests/kiosk/dates.test.mjs).

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

function parts(date, timeZone, options) {
  const found = {};
  for (const part of new Intl.DateTimeFormat("en-GB", { timeZone, hourCycle: "h23", ...options }).formatToParts(date)) {
    found[part.type] = part.value;
  }
  return found;
}

function parse(value) {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A moment (ISO text) as "Chủ Nhật, 06/12/2026 02:44" (vi) or "Sunday, 06/12/2026, 02:44" (en). */
export function formatDateTimeIn(value, lang, timeZone, { weekday = true } = {}) {
  const date = parse(value);
  if (!date) return "";
  if (lang !== "vi") {
    return new Intl.DateTimeFormat("en-GB", {
      timeZone,
      weekday: weekday ? "long" : undefined,
      day: "2-digit",
      month: "2-digit",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).format(date);
  }
  const p = parts(date, timeZone, {
    day: "2-digit",
    month: "2-digit",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
  const day = new Intl.DateTimeFormat("vi-VN", { timeZone, weekday: "long" }).format(date);
  return `${weekday ? `${day}, ` : ""}${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}`;
}

/** A moment's clock time, "02:44", in the organisation's zone (both languages use 24 h). */
export function formatTimeIn(value, timeZone) {
  const date = parse(value);
  if (!date) return "";
  const p = parts(date, timeZone, { hour: "2-digit", minute: "2-digit" });
  return `${p.hour}:${p.minute}`;
}

/**
 * A day: "20/12/2026". A date without a time ("2026-12-20", a task's deadline) is that calendar day as it is;
 * a moment is the day it falls on in the organisation's zone.
 */
export function formatDateIn(value, _lang, timeZone) {
  const plain = DATE_ONLY.exec(value || "");
  if (plain) return `${plain[3]}/${plain[2]}/${plain[1]}`;
  const date = parse(value);
  if (!date) return "";
  const p = parts(date, timeZone, { day: "2-digit", month: "2-digit", year: "numeric" });
  return `${p.day}/${p.month}/${p.year}`;
}
