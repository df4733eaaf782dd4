// Correcting a transcript turn in the secretary's console: the words edited in place, and the versions the
// server kept (the original first) on demand. Guests never get here; the server checks who may edit.

import { DICTIONARIES, t } from "./i18n.js";
import { h, showError } from "./ui.js";

Object.assign(DICTIONARIES.vi, {
  "turn.edit": "Sửa",
  "turn.save": "Lưu",
  "turn.cancel": "Huỷ",
  "turn.text": "Nội dung lượt phát biểu",
  "turn.edited": "Đã sửa {n} lần",
  "turn.history": "Các bản trước",
  "turn.original": "Bản gốc",
  "turn.version": "Bản {n}",
});
Object.assign(DICTIONARIES.en, {
  "turn.edit": "Edit",
  "turn.save": "Save",
  "turn.cancel": "Cancel",
  "turn.text": "What was said",
  "turn.edited": "Corrected {n} times",
  "turn.history": "Earlier versions",
  "turn.original": "Original",
  "turn.version": "Version {n}",
});

/** The controls under one turn: "Edit" swaps its words (`words`, the element showing them) for a text box,
 * "Save" sends the correction; once corrected, a note says how often and opens the earlier versions. */
export function turnControls(api, path, turn, words) {
  const position = turn.position;
  const box = h("div", { class: "turn-controls", testid: `turn-controls-${position}` });
  const history = h("ol", { class: "turn-history", testid: `turn-history-${position}`, hidden: true });
  let edits = turn.edits || 0;

  const showHistory = async () => {
    try {
      const versions = await api.get(`${path}/revisions`);
      history.replaceChildren(
        ...versions.map((version, index) =>
          h(
            "li",
            { class: "turn-version" },
            h("strong", {}, index === 0 ? t("turn.original") : t("turn.version", { n: index + 1 })),
            ` (${version.speaker}) `,
            version.text,
          ),
        ),
      );
      history.hidden = false;
    } catch (error) {
      showError(error);
    }
  };

  const idle = () => {
    const parts = [
      h(
        "button",
        { class: "btn btn-ghost btn-small", type: "button", testid: `turn-edit-${position}`, onclick: editing },
        t("turn.edit"),
      ),
    ];
    if (edits > 0) {
      parts.push(
        h("span", { class: "chip", testid: `turn-edited-${position}` }, t("turn.edited", { n: edits })),
        h(
          "button",
          {
            class: "btn btn-ghost btn-small",
            type: "button",
            testid: `turn-show-history-${position}`,
            onclick: showHistory,
          },
          t("turn.history"),
        ),
      );
    }
    box.replaceChildren(...parts);
  };

  function editing() {
    const text = h("textarea", {
      class: "turn-textarea",
      testid: `turn-text-${position}`,
      rows: "4",
      maxlength: "20000",
      "aria-label": t("turn.text"),
    });
    text.value = words.textContent;
    const save = async () => {
      try {
        const updated = await api.patch(path, { text: text.value });
        words.textContent = updated.text;
        edits = updated.edits;
        history.hidden = true;
        idle();
      } catch (error) {
        showError(error);
      }
    };
    box.replaceChildren(
      text,
      h(
        "span",
        { class: "turn-actions" },
        h(
          "button",
          { class: "btn btn-primary btn-small", type: "button", testid: `turn-save-${position}`, onclick: save },
          t("turn.save"),
        ),
        h("button", { class: "btn btn-ghost btn-small", type: "button", onclick: idle }, t("turn.cancel")),
      ),
    );
    text.focus();
  }

  idle();
  return [box, history];
}
