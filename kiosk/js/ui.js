// Small DOM helpers shared by the tablet, the console and the projector.

import { t, toggleLang } from "./i18n.js";

/** h("button", {class: "btn", onclick, dataset: {testid: "x"}}, "text", child) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "testid") el.dataset.testid = value;
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "value") el.value = value;
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  appendChildren(el, children);
  return el;
}

function appendChildren(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Make `container`'s children exactly `nodes`, moving as little as possible (a focused input stays focused). */
export function reconcile(container, nodes) {
  nodes.forEach((node, index) => {
    const present = container.children[index];
    if (present !== node) container.insertBefore(node, present || null);
  });
  while (container.children.length > nodes.length) container.lastElementChild.remove();
}

let toastTimer = null;

/** Show an error (ApiError or text) where everyone can see it; role=alert reads it out. */
export function showError(error) {
  const text = typeof error === "string" ? error : error?.detail || error?.message || String(error);
  showToast(text, "error");
}

export function showToast(text, kind = "info") {
  let toast = document.querySelector("[data-testid=toast]");
  if (!toast) {
    toast = h("div", { class: "toast", role: "alert", testid: "toast" });
    document.body.append(toast);
  }
  toast.className = `toast toast-${kind}`;
  toast.textContent = text;
  toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(
    () => {
      toast.hidden = true;
    },
    kind === "error" ? 8000 : 3000,
  );
  toast.onclick = () => {
    toast.hidden = true;
  };
}

/** Run an async action with the button disabled meanwhile; errors go to the toast. */
export async function busy(button, action) {
  if (button) button.disabled = true;
  try {
    return await action();
  } catch (error) {
    showError(error);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

/** A modal yes/no question with big buttons. Resolves true on confirm. */
export function confirmDialog(message, { confirmLabel, danger = false } = {}) {
  return new Promise((resolve) => {
    const dialog = h("dialog", { class: "dialog", testid: "confirm-dialog" });
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    dialog.append(
      h("h2", {}, t("confirm.title")),
      h("p", {}, message),
      h(
        "div",
        { class: "dialog-actions" },
        h(
          "button",
          { class: "btn btn-ghost", type: "button", testid: "confirm-no", onclick: () => finish(false) },
          t("common.cancel"),
        ),
        h(
          "button",
          {
            class: danger ? "btn btn-danger" : "btn btn-primary",
            type: "button",
            testid: "confirm-yes",
            onclick: () => finish(true),
          },
          confirmLabel || t("common.confirm"),
        ),
      ),
    );
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      finish(false);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** The language switch: shows the other language's name. */
export function langButton(onChange) {
  return h(
    "button",
    {
      class: "btn btn-ghost btn-small lang-switch",
      type: "button",
      testid: "lang-switch",
      title: t("lang.switch_label"),
      "aria-label": t("lang.switch_label"),
      onclick: () => {
        toggleLang();
        onChange();
      },
    },
    t("lang.switch"),
  );
}

/** The app bar: brand on the left, `right` nodes on the right. */
export function appBar(subtitle, ...right) {
  return h(
    "header",
    { class: "appbar" },
    h(
      "div",
      { class: "brand" },
      h("span", { class: "brand-mark", "aria-hidden": "true" }, "★"),
      h("span", { class: "brand-text" }, h("strong", {}, t("app.name")), h("small", {}, subtitle)),
    ),
    h("div", { class: "appbar-right" }, ...right),
  );
}

/** The sign-in card; calls onLoggedIn(user) after a successful login. */
export function loginView(api, { subtitle, hint, onLoggedIn, onLang }) {
  const username = h("input", {
    id: "login-username",
    name: "username",
    autocomplete: "username",
    required: true,
    autocapitalize: "none",
    spellcheck: "false",
    testid: "login-username",
  });
  const password = h("input", {
    id: "login-password",
    name: "password",
    type: "password",
    autocomplete: "current-password",
    required: true,
    testid: "login-password",
  });
  const error = h("p", { class: "form-error", role: "alert", testid: "login-error", hidden: true });
  const submit = h(
    "button",
    { class: "btn btn-primary btn-block", type: "submit", testid: "login-submit" },
    t("login.submit"),
  );
  const form = h(
    "form",
    {
      class: "login-card card",
      testid: "login-form",
      onsubmit: async (event) => {
        event.preventDefault();
        error.hidden = true;
        submit.disabled = true;
        submit.textContent = t("login.busy");
        try {
          outcome(await api.login(username.value.trim(), password.value));
        } catch (failure) {
          error.textContent = failure.detail || failure.message;
          error.hidden = false;
          password.select();
        } finally {
          submit.disabled = false;
          submit.textContent = t("login.submit");
        }
      },
    },
    h("div", { class: "login-emblem", "aria-hidden": "true" }, "★"),
    h("h1", {}, t("app.name")),
    h("p", { class: "login-subtitle" }, subtitle),
    hint ? h("p", { class: "muted" }, hint) : null,
    h("label", { for: "login-username" }, t("login.username")),
    username,
    h("label", { for: "login-password" }, t("login.password")),
    password,
    error,
    submit,
    singleSignOn(api),
  );
  const outcome = (result) => {
    if (result.second_factor === "totp") form.replaceWith(codeForm(api, result.ticket, onLoggedIn));
    else if (result.second_factor === "enrol") form.replaceWith(enrolView(api, result.ticket, onLoggedIn));
    else onLoggedIn(result);
  };
  returnFromProvider(api, { error, submit, outcome });
  const page = h(
    "main",
    { class: "login-page" },
    h("div", { class: "login-lang" }, langButton(onLang)),
    form,
    h("p", { class: "login-footer" }, t("app.tagline")),
  );
  setTimeout(() => username.focus(), 0);
  return page;
}

/**
 * "Sign in with <provider>" under the password form, once the server says single sign-on is set up (nothing
 * otherwise, nor offline). A link, not a script: the provider's page comes back to this page.
 */
function singleSignOn(api) {
  const box = h("div", { class: "login-sso", hidden: true });
  api.loginMethods().then(
    (methods) => {
      const sso = methods && methods.single_sign_on;
      if (!sso) return;
      const href = `${sso.start}?next=${encodeURIComponent(location.pathname)}`;
      box.append(
        h("p", { class: "login-or", "aria-hidden": "true" }, t("login.or")),
        h("a", { class: "btn btn-secondary btn-block", href, testid: "login-sso" }, t("login.sso", { name: sso.name })),
      );
      box.hidden = false;
    },
    () => {},
  );
  return box;
}

/**
 * Back from the identity provider (`?sso=done` or `?sso_error=<code>`): finish the login (the session, or the
 * second factor's step as after a password), or say why it did not happen. The query is removed first, so a
 * reload does not try again.
 */
function returnFromProvider(api, { error, submit, outcome }) {
  const query = new URLSearchParams(location.search);
  const done = query.get("sso") === "done";
  const failed = query.get("sso_error");
  if (!done && !failed) return;
  history.replaceState(null, "", location.pathname + location.hash);
  if (failed) {
    const key = `sso.error.${failed}`;
    const text = t(key);
    showFailure(error, { message: text === key ? t("sso.error.other", { code: failed }) : text });
    return;
  }
  submit.disabled = true;
  submit.textContent = t("login.sso_busy");
  api.finishSingleSignOn().then(outcome, (failure) => {
    showFailure(error, failure);
    submit.disabled = false;
    submit.textContent = t("login.submit");
  });
}

function formError(testid) {
  return h("p", { class: "form-error", role: "alert", testid, hidden: true });
}

function showFailure(error, failure) {
  error.textContent = failure.detail || failure.message;
  error.hidden = false;
}

function codeInput(testid) {
  return h("input", {
    id: testid,
    name: "code",
    autocomplete: "one-time-code",
    inputmode: "numeric",
    autocapitalize: "none",
    spellcheck: "false",
    required: true,
    maxlength: "32",
    testid,
  });
}

/** The login's second step: a code from the authenticator app, or a recovery code. */
function codeForm(api, ticket, onLoggedIn) {
  const code = codeInput("login-code");
  const error = formError("login-code-error");
  const submit = h(
    "button",
    { class: "btn btn-primary btn-block", type: "submit", testid: "login-code-submit" },
    t("tfa.verify"),
  );
  const form = h(
    "form",
    {
      class: "login-card card",
      testid: "login-code-form",
      onsubmit: async (event) => {
        event.preventDefault();
        error.hidden = true;
        submit.disabled = true;
        try {
          onLoggedIn(await api.loginCode(ticket, code.value.trim()));
        } catch (failure) {
          showFailure(error, failure);
          code.select();
        } finally {
          submit.disabled = false;
        }
      },
    },
    h("h1", {}, t("tfa.code_title")),
    h("p", { class: "muted" }, t("tfa.code_hint")),
    h("label", { for: "login-code" }, t("tfa.code")),
    code,
    error,
    submit,
  );
  setTimeout(() => code.focus(), 0);
  return form;
}

/** An SVG element from the server's QR code text (parsed as XML: never innerHTML). */
function svgElement(text) {
  const parsed = new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
  return parsed.nodeName === "svg" ? document.importNode(parsed, true) : null;
}

/**
 * Enrolment of an authenticator app: the QR code and the secret, a first code to confirm, then the
 * recovery codes once. With a ticket (a login told to enrol) the session starts on confirmation and
 * onDone(user) follows "continue"; without, it enrols the signed-in user.
 */
export function enrolView(api, ticket, onDone) {
  const error = formError("enrol-error");
  const card = h("section", { class: "login-card card", testid: "enrol" }, h("h1", {}, t("tfa.enrol_title")), error);
  api.startEnrolment(ticket).then(
    (enrolment) => {
      const code = codeInput("enrol-code");
      const submit = h(
        "button",
        { class: "btn btn-primary btn-block", type: "submit", testid: "enrol-confirm" },
        t("tfa.confirm"),
      );
      const qr = svgElement(enrolment.qr_svg);
      if (qr) qr.setAttribute("role", "img");
      const form = h(
        "form",
        {
          testid: "enrol-form",
          onsubmit: async (event) => {
            event.preventDefault();
            error.hidden = true;
            submit.disabled = true;
            try {
              const done = await api.confirmEnrolment(ticket, code.value.trim());
              card.replaceWith(
                recoveryCodes(done.recovery_codes, () => onDone(done.login ? done.login.user : api.user)),
              );
            } catch (failure) {
              showFailure(error, failure);
              code.select();
            } finally {
              submit.disabled = false;
            }
          },
        },
        h("label", { for: "enrol-code" }, t("tfa.code")),
        code,
        submit,
      );
      error.before(
        h("p", { class: "muted" }, t("tfa.enrol_hint")),
        h("div", { class: "enrol-qr", testid: "enrol-qr", "aria-label": t("tfa.enrol_title") }, qr),
        h(
          "p",
          {},
          `${t("tfa.secret")}: `,
          h("code", { class: "enrol-secret", testid: "enrol-secret" }, enrolment.secret),
        ),
        form,
      );
      setTimeout(() => code.focus(), 0);
    },
    (failure) => showFailure(error, failure),
  );
  return card;
}

function recoveryCodes(codes, onContinue) {
  return h(
    "section",
    { class: "login-card card", testid: "recovery" },
    h("h1", {}, t("tfa.recovery_title")),
    h("p", { class: "muted" }, t("tfa.recovery_hint")),
    h(
      "ol",
      { class: "recovery-codes", testid: "recovery-codes" },
      ...codes.map((code) => h("li", {}, h("code", {}, code))),
    ),
    h(
      "button",
      { class: "btn btn-primary btn-block", type: "button", testid: "enrol-continue", onclick: onContinue },
      t("tfa.continue"),
    ),
  );
}

const CAUGHT_UP_MS = 4000;

/**
 * The "reconnecting" banner, shown while the live connection is down; with `offlineCopy`
 * (the tablet) it says the page shows the kept copy, and "caught up" once the socket is back.
 */
export function connectionBanner(live, { offlineCopy = false } = {}) {
  const banner = h("div", {
    class: "conn-banner",
    role: "status",
    "aria-live": "polite",
    testid: "conn-banner",
    hidden: true,
  });
  let hideTimer = null;
  let wasDown = live.status === "reconnecting";
  const update = (status) => {
    clearTimeout(hideTimer);
    if (offlineCopy && status === "open" && wasDown) {
      // back online and caught up (the socket resumed from its seq): say so for a moment
      wasDown = false;
      banner.hidden = false;
      banner.dataset.state = "caught-up";
      banner.textContent = t("conn.caught_up");
      hideTimer = setTimeout(() => (banner.hidden = true), CAUGHT_UP_MS);
      return;
    }
    if (status === "reconnecting") wasDown = true;
    banner.hidden = status !== "reconnecting";
    banner.dataset.state = status;
    banner.textContent = t(offlineCopy ? "conn.offline_copy" : "conn.reconnecting");
  };
  // a banner of a page that was re-drawn (language switch) stops listening
  const unsubscribe = live.onStatus((status) => (banner.isConnected ? update(status) : unsubscribe()));
  update(live.status);
  return banner;
}

/** A red dot and "Đang ghi âm" while the room is being recorded (null otherwise): everyone in the room sees it. */
export function recordingChip(state) {
  if (!state.recording || !state.recording.capturing) return null;
  return h(
    "span",
    { class: "chip chip-recording", testid: "recording-on", role: "status" },
    h("span", { class: "recording-dot", "aria-hidden": "true" }),
    t("recording.on"),
  );
}

export function statusChip(status) {
  return h(
    "span",
    { class: `chip chip-${status}`, testid: "meeting-status", "data-status": status },
    t(`status.${status}`),
  );
}

/** Replace `el`'s children; null, undefined and false are skipped (the DOM would print them as text). */
export function fill(el, ...children) {
  el.replaceChildren();
  appendChildren(el, children);
  return el;
}
