// OCR progress of a scanned document, for the console's and the tablet's document lists:
// "OCR 12/40 trang" with a bar while the scanned pages are being read (document.ocr events keep it live),
// "Đã nhận dạng chữ (OCR)" once done, and how many pages could not be read.

import { t } from "./i18n.js";
import { h } from "./ui.js";

/** The OCR badge of `doc` (null when it has no scanned page). */
export function ocrBadge(doc) {
  const total = Number(doc.ocr_total) || 0;
  if (!total) return null;
  const done = Math.min(Number(doc.ocr_done) || 0, total);
  const failed = Number(doc.ocr_failed) || 0;
  const running = done < total;
  const label = running ? t("ocr.progress", { done, total }) : t("ocr.done");
  const hint = running ? t("ocr.progress_hint", { done, total }) : t("ocr.done_hint", { total });
  return h(
    "span",
    {
      class: `doc-ocr${running ? " is-running" : ""}${failed ? " has-failed" : ""}`,
      testid: `doc-ocr-${doc.id}`,
      "data-done": String(done),
      "data-total": String(total),
      "data-failed": String(failed),
      title: failed ? `${hint} · ${t("ocr.failed", { n: failed })}` : hint,
      role: running ? "progressbar" : null,
      "aria-valuemin": running ? "0" : null,
      "aria-valuemax": running ? String(total) : null,
      "aria-valuenow": running ? String(done) : null,
    },
    h("span", { class: "doc-ocr-label" }, label),
    running
      ? h(
          "span",
          { class: "doc-ocr-bar", "aria-hidden": "true" },
          h("span", { class: "doc-ocr-fill", style: `width: ${Math.round((100 * done) / total)}%` }),
        )
      : null,
    failed
      ? h("span", { class: "doc-ocr-failed", testid: `doc-ocr-failed-${doc.id}` }, t("ocr.failed", { n: failed }))
      : null,
  );
}
