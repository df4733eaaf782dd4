// Pieces of a meeting shown the same way on the tablet and the console.

import { formatDateTime, formatTime, t } from "./i18n.js";
import { numberedAgenda } from "./live.js";
import { h } from "./ui.js";

export function meetingMeta(meeting) {
  return h(
    "p",
    { class: "meeting-meta" },
    h(
      "span",
      { class: "meta-part", testid: "meeting-location" },
      h("span", { class: "meta-label" }, `${t("meeting.place")}: `),
      meeting.location || t("meetings.no_place"),
    ),
    h(
      "span",
      { class: "meta-part", testid: "meeting-time" },
      h("span", { class: "meta-label" }, `${t("meeting.time")}: `),
      meeting.starts_at ? formatDateTime(meeting.starts_at) : t("meetings.no_time"),
    ),
  );
}

/** The current item, its parent (for a sub-item), the one after it in reading order (skipping skipped ones), and their numbers. */
export function currentAndNext(state) {
  const rows = numberedAgenda(state.agenda);
  const index = rows.findIndex((row) => row.item.id === state.current_item_id);
  const current = index >= 0 ? rows[index] : null;
  const upcoming = rows.slice(index + 1).filter((row) => row.item.status !== "skipped" && row.item.status !== "done");
  const parent =
    current && current.item.parent_id != null
      ? rows.find((row) => row.item.id === current.item.parent_id) || null
      : null;
  return { rows, current, parent, next: state.meeting.status === "closed" ? null : upcoming[0] || null };
}

export function itemDetails(item) {
  const parts = [];
  if (item.presenter)
    parts.push(h("span", { class: "item-presenter" }, `${t("meeting.presenter")}: ${item.presenter}`));
  if (item.duration_minutes) {
    parts.push(h("span", { class: "item-duration" }, t("meeting.minutes", { n: item.duration_minutes })));
  }
  return parts.length ? h("div", { class: "item-details" }, ...parts) : null;
}

export function presence(state) {
  const counted = state.participants.filter((p) => p.role !== "guest");
  const total = counted.length;
  const present = counted.filter((p) => p.attendance === "present").length;
  return { present, total };
}

export function checkedInText(participant) {
  return participant.checked_in_at
    ? `${t("checkin.done")} ${t("checkin.at", { time: formatTime(participant.checked_in_at) })}`
    : t("checkin.done");
}
