// Showing a confidential ("Mật") document on the room screen: the server refuses (409) until the chair or
// secretary confirms, and names who may be in the room without the right to read it; this dialog puts
// those names in front of them and says which way they decided.

import { DICTIONARIES, t } from "./i18n.js";
import { h } from "./ui.js";

Object.assign(DICTIONARIES.vi, {
  "present.secret_title": "Trình chiếu tài liệu mật?",
  "present.secret_lead":
    "“{title}” là tài liệu MẬT. Màn hình phòng họp sẽ hiện tài liệu này cho mọi người trong phòng.",
  "present.secret_outsiders": "Những người sau đang có mặt hoặc chưa điểm danh và KHÔNG được đọc tài liệu này:",
  "present.secret_nobody":
    "Không có người nào trong danh sách tham dự thiếu quyền đọc, nhưng ai trong phòng cũng nhìn thấy màn hình.",
  "present.secret_confirm": "Vẫn trình chiếu",
  "present.secret_cancel": "Không trình chiếu",
  "present.attendance.present": "có mặt",
  "present.attendance.unknown": "chưa điểm danh",
  "present.role.guest": "khách mời",
  "present.role.delegate": "đại biểu",
});
Object.assign(DICTIONARIES.en, {
  "present.secret_title": "Show a confidential document?",
  "present.secret_lead": "“{title}” is CONFIDENTIAL. The room screen will show it to everyone in the room.",
  "present.secret_outsiders": "These people are present or not checked in yet, and may NOT read it:",
  "present.secret_nobody":
    "Nobody on the attendance list lacks the right to read it, but everyone in the room sees the screen.",
  "present.secret_confirm": "Show it anyway",
  "present.secret_cancel": "Do not show",
  "present.attendance.present": "present",
  "present.attendance.unknown": "not checked in",
  "present.role.guest": "guest",
  "present.role.delegate": "delegate",
});

/** The server's request for confirmation in `error`'s body, or null. */
export function confirmationAsked(error) {
  return error && error.status === 409 && error.body && error.body.confirm ? error.body.confirm : null;
}

/**
 * A modal dialog naming who may not read `asked.title` ({title, outsiders: [{full_name, role, attendance}]}).
 * Resolves true when the presenter confirms; Escape and "Do not show" resolve false. Refusing is the default
 * button, so a hurried Enter shows nothing.
 */
export function confirmConfidentialPresent(asked) {
  return new Promise((resolve) => {
    const titleId = "present-secret-title";
    const dialog = h("dialog", {
      class: "dialog present-secret-dialog",
      testid: "present-secret-dialog",
      "aria-labelledby": titleId,
    });
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    const people = asked.outsiders || [];
    const cancel = h(
      "button",
      { class: "btn btn-primary", type: "button", testid: "present-secret-cancel", onclick: () => finish(false) },
      t("present.secret_cancel"),
    );
    dialog.append(
      h("h2", { id: titleId }, t("present.secret_title")),
      h("p", {}, t("present.secret_lead", { title: asked.title })),
      ...(people.length
        ? [
            h("p", {}, t("present.secret_outsiders")),
            h(
              "ul",
              { class: "present-secret-people", testid: "present-secret-people" },
              ...people.map((person) =>
                h(
                  "li",
                  { "data-user-id": String(person.user_id) },
                  h("strong", {}, person.full_name),
                  ` — ${t(`present.role.${person.role}`)}, ${t(`present.attendance.${person.attendance}`)}`,
                ),
              ),
            ),
          ]
        : [h("p", { testid: "present-secret-nobody" }, t("present.secret_nobody"))]),
      h(
        "div",
        { class: "dialog-actions" },
        cancel,
        h(
          "button",
          { class: "btn btn-danger", type: "button", testid: "present-secret-confirm", onclick: () => finish(true) },
          t("present.secret_confirm"),
        ),
      ),
    );
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      finish(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}
