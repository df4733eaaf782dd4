// Personal signatures on approved minutes: the secretary, then the chair, sign with their token's PIN (or,
// without a token, the organisation's key: the PIN is left empty); and the check of a signed PDF, showing
// each signature's signer, time, certificate chain and whether the file changed after it.
import { DICTIONARIES, formatDateTime, t } from "./i18n.js";
import { fill, h } from "./ui.js";

Object.assign(DICTIONARIES.vi, {
  "signing.next.secretary": "Chờ thư ký ký số",
  "signing.next.chair": "Chờ chủ tọa ký số",
  "signing.done": "Đã đủ chữ ký của thư ký và chủ tọa",
  "signing.pin": "Mã PIN thiết bị ký số (để trống nếu ký bằng khóa của cơ quan)",
  "signing.sign": "Ký số biên bản",
  "signing.signed": "Đã ký số",
  "verify.title": "Kiểm tra chữ ký số",
  "verify.this": "Kiểm tra bản PDF đã ký của cuộc họp này",
  "verify.file": "Chọn tệp PDF biên bản để kiểm tra",
  "verify.none": "Tệp không có chữ ký số nào.",
  "verify.valid": "Hợp lệ",
  "verify.invalid": "Không hợp lệ",
  "verify.all_valid": "Mọi chữ ký đều hợp lệ; tệp không bị sửa sau khi ký.",
  "verify.not_valid": "Có chữ ký không hợp lệ hoặc tệp đã bị sửa.",
  "verify.field.secretary": "Thư ký",
  "verify.field.chair": "Chủ tọa",
  "verify.field.other": "Cơ quan",
  "verify.signed_at": "Ký lúc {time}",
  "verify.chain": "Chuỗi chứng thư: {chain}",
  "verify.untrusted": "Chứng thư không thuộc tổ chức chứng thực được tin cậy",
  "verify.changed": "Nội dung đã ký bị thay đổi",
  "verify.later": "Có chữ ký khác được thêm sau",
  "verify.unsafe_after": "Tệp bị sửa sau chữ ký này",
});
Object.assign(DICTIONARIES.en, {
  "signing.next.secretary": "Waiting for the secretary's signature",
  "signing.next.chair": "Waiting for the chair's signature",
  "signing.done": "Signed by the secretary and the chair",
  "signing.pin": "Signing token PIN (empty when signing with the organisation's key)",
  "signing.sign": "Sign the minutes",
  "signing.signed": "Signed",
  "verify.title": "Check digital signatures",
  "verify.this": "Check this meeting's signed PDF",
  "verify.file": "Choose a minutes PDF to check",
  "verify.none": "The file has no digital signature.",
  "verify.valid": "Valid",
  "verify.invalid": "Not valid",
  "verify.all_valid": "Every signature is valid; the file was not changed after signing.",
  "verify.not_valid": "A signature is not valid or the file was changed.",
  "verify.field.secretary": "Secretary",
  "verify.field.chair": "Chair",
  "verify.field.other": "Organisation",
  "verify.signed_at": "Signed at {time}",
  "verify.chain": "Certificate chain: {chain}",
  "verify.untrusted": "The certificate is not from a trusted certification authority",
  "verify.changed": "The signed content was changed",
  "verify.later": "Another signature was added after it",
  "verify.unsafe_after": "The file was changed after this signature",
});

/** The signing row of approved minutes: whose turn it is, and for that person a PIN field and a button. */
export function signingView(ctx, state, minutes, base, adopt) {
  if (minutes.status !== "approved" || (!minutes.next_signer && !minutes.signatures.length)) return null;
  const turn = minutes.next_signer;
  const status = h(
    "span",
    { class: `chip chip-${turn ? "draft" : "valid"}`, testid: "minutes-signing", "data-next": turn || "" },
    turn ? t(`signing.next.${turn}`) : t("signing.done"),
  );
  if (!turn || state.me.meeting_role !== turn) return h("p", { class: "minutes-signing" }, status);
  const pin = h("input", {
    type: "password",
    autocomplete: "off",
    maxlength: "64",
    testid: "minutes-sign-pin",
    placeholder: t("signing.pin"),
    "aria-label": t("signing.pin"),
  });
  const button = h(
    "button",
    {
      class: "btn btn-primary",
      type: "button",
      testid: "minutes-sign",
      onclick: async () => {
        const result = await ctx.act(button, () => ctx.api.post(`${base}/sign`, { pin: pin.value || null }));
        pin.value = ""; // the PIN is for this one signing
        if (result.ok) adopt(result.value);
      },
    },
    t("signing.sign"),
  );
  return h("div", { class: "control-buttons minutes-signing" }, status, pin, button);
}

/** A card that checks a signed minutes PDF: this meeting's, or a file chosen from the disk. */
export function verifyView(ctx, pdfPath) {
  const result = h("div", { class: "verify-result", testid: "verify-result" });
  const check = async (button, blob) => {
    const form = new FormData();
    form.append("file", blob, "bien-ban.pdf");
    const answer = await ctx.act(button, () => ctx.api.upload("/api/minutes/verify", form));
    if (answer.ok) fill(result, ...reportView(answer.value));
  };
  const file = h("input", {
    type: "file",
    accept: "application/pdf,.pdf",
    testid: "verify-file",
    "aria-label": t("verify.file"),
    onchange: () => file.files.length && check(file, file.files[0]),
  });
  const thisOne = pdfPath
    ? h(
        "button",
        {
          class: "btn btn-secondary",
          type: "button",
          testid: "verify-this",
          onclick: async () => {
            const blob = await ctx.api.blob(pdfPath);
            await check(thisOne, blob);
          },
        },
        t("verify.this"),
      )
    : null;
  return h(
    "div",
    { class: "minutes-verify", testid: "minutes-verify" },
    h("h3", { class: "minutes-verify-title" }, t("verify.title")),
    h("div", { class: "control-buttons" }, thisOne, h("label", { class: "muted small" }, t("verify.file"), " ", file)),
    result,
  );
}

/** What POST /api/minutes/verify answered, as elements: the verdict, then each signature. */
export function reportView(check) {
  if (!check.signatures.length) return [h("p", { class: "notice", testid: "verify-none" }, t("verify.none"))];
  const verdict = h(
    "p",
    {
      class: `chip chip-${check.valid ? "valid" : "invalid"}`,
      testid: "verify-verdict",
      "data-valid": String(check.valid),
    },
    check.valid ? t("verify.all_valid") : t("verify.not_valid"),
  );
  return [verdict, h("ol", { class: "verify-signatures" }, ...check.signatures.map(signatureView))];
}

function signatureView(signature) {
  const role = ["secretary", "chair"].includes(signature.field) ? signature.field : "other";
  const problems = [];
  if (!signature.trusted) problems.push(t("verify.untrusted"));
  if (!signature.intact) problems.push(t("verify.changed"));
  if (signature.modified_after && !signature.changes_allowed) problems.push(t("verify.unsafe_after"));
  return h(
    "li",
    { class: "verify-signature", testid: `verify-signature-${signature.field}`, "data-valid": String(signature.valid) },
    h(
      "p",
      {},
      h("strong", {}, `${t(`verify.field.${role}`)}: ${signature.signer}`),
      " ",
      h(
        "span",
        { class: `chip chip-${signature.valid ? "valid" : "invalid"}` },
        signature.valid ? t("verify.valid") : t("verify.invalid"),
      ),
    ),
    h(
      "p",
      { class: "muted small" },
      signature.signed_at ? t("verify.signed_at", { time: formatDateTime(signature.signed_at) }) : "",
      signature.modified_after && signature.changes_allowed ? ` · ${t("verify.later")}` : "",
    ),
    h("p", { class: "muted small" }, t("verify.chain", { chain: signature.chain.join(" → ") })),
    ...problems.map((problem) => h("p", { class: "form-error small" }, problem)),
  );
}
