// File and date inputs that speak the page's language. A native file input labels itself ("Choose File",
// "No file chosen") and a native date input lays itself out (mm/dd/yyyy) in the browser's language, not
// the page's; these show our own labels and read day/month/year, whatever the browser is set to.

import "./room-i18n.js";
import { t } from "./i18n.js";
import { h } from "./ui.js";

/**
 * `input` (a type=file input) hidden behind a button and the chosen file's name, both in the page's language.
 * The input stays the control: forms, `files`, `required` and tests' set_input_files work as before.
 */
export function filePicker(input, { label = t("picker.choose_file"), testid = null } = {}) {
  input.classList.add("file-input");
  const name = h("span", { class: "file-pick-name", "aria-live": "polite" }, t("picker.no_file"));
  const show = () => {
    const picked = input.files && input.files[0];
    name.textContent = picked ? picked.name : t("picker.no_file");
  };
  input.addEventListener("change", show);
  const form = () => input.form;
  // a form reset empties the input without a change event
  queueMicrotask(() => form() && form().addEventListener("reset", () => queueMicrotask(show)));
  return h(
    "label",
    { class: "file-pick", testid },
    input,
    h("span", { class: "btn btn-secondary file-pick-button", "aria-hidden": "true" }, label),
    name,
  );
}

const pad = (n) => String(n).padStart(2, "0");

/** "25/12/2026" -> "2026-12-25"; "" for empty; null when it is not a real date. */
export function parseDay(text) {
  const value = text.trim();
  if (!value) return "";
  const match = value.match(/^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/);
  if (!match) return null;
  const [day, month, year] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(year, month - 1, day);
  if (date.getFullYear() !== year || date.getMonth() !== month - 1 || date.getDate() !== day) return null;
  return `${year}-${pad(month)}-${pad(day)}`;
}

/** "9:05" -> "09:05"; "" for empty; null when it is not a time of day. */
export function parseClock(text) {
  const value = text.trim();
  if (!value) return "";
  const match = value.match(/^(\d{1,2})[:h.](\d{2})$/);
  if (!match || Number(match[1]) > 23 || Number(match[2]) > 59) return null;
  return `${pad(Number(match[1]))}:${match[2]}`;
}

/**
 * A date (and, with `time`, a time) as day/month/year text fields labelled in the page's language.
 * The element's `value` is what a native input would hold: "YYYY-MM-DD", or "YYYY-MM-DDTHH:MM" with `time`
 * ("" when empty), so it replaces `<input type=date|datetime-local>` in the forms that read `.value`.
 */
export function dateField({ time = false, testid = null, value = "" } = {}) {
  const [dayPart, clockPart] = (value || "").split("T");
  const shownDay = dayPart ? dayPart.split("-").reverse().join("/") : "";
  const day = h("input", {
    type: "text",
    inputmode: "numeric",
    autocomplete: "off",
    class: "date-part",
    placeholder: t("picker.date_placeholder"),
    "aria-label": t("picker.date"),
    title: t("picker.date"),
    testid: testid ? `${testid}-date` : null,
    value: shownDay,
  });
  const clock = time
    ? h("input", {
        type: "text",
        inputmode: "numeric",
        autocomplete: "off",
        class: "time-part",
        placeholder: t("picker.time_placeholder"),
        "aria-label": t("picker.time"),
        title: t("picker.time"),
        testid: testid ? `${testid}-time` : null,
        value: (clockPart || "").slice(0, 5),
      })
    : null;
  const element = h("span", { class: "date-field", testid }, day, clock);
  const check = () => {
    day.setCustomValidity(parseDay(day.value) === null ? t("picker.bad_date") : "");
    if (clock) clock.setCustomValidity(parseClock(clock.value) === null ? t("picker.time") : "");
  };
  day.addEventListener("input", check);
  if (clock) clock.addEventListener("input", check);
  Object.defineProperty(element, "value", {
    get() {
      const date = parseDay(day.value);
      if (!date) return "";
      if (!clock) return date;
      return `${date}T${parseClock(clock.value) || "00:00"}`;
    },
    set(next) {
      const [datePart, timePart] = (next || "").split("T");
      day.value = datePart ? datePart.split("-").reverse().join("/") : "";
      if (clock) clock.value = (timePart || "").slice(0, 5);
      check();
    },
  });
  return element;
}
