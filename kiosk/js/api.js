// The REST client: the session rides the HttpOnly cookie (the page never sees the token);
// the session's id (no credential) goes along as X-ICabinet-Session, which the server
// requires for writes and checks against the cookie. Accept-Language from the UI
// language, JSON errors turned into ApiError with the server's localized detail.

import { getLang, setTimeZone, t } from "./i18n.js";

export class ApiError extends Error {
  /** `body`: the error's whole JSON body, for the fields a caller acts on (e.g. `confirm`) */
  constructor(status, detail, body = null) {
    super(detail);
    this.status = status;
    this.detail = detail;
    this.body = body;
  }
}

function detailText(body, status) {
  if (body && typeof body.detail === "string" && body.detail) return body.detail;
  if (body && Array.isArray(body.detail)) return body.detail.map((part) => part.msg || JSON.stringify(part)).join("; ");
  return t("errors.generic", { status });
}

/** A step of a login (a refusal there says nothing of a session this page holds). */
function isLoginStep(path) {
  return path.startsWith("/api/auth/login") || path.startsWith("/api/auth/oidc/");
}

export class Api {
  /**
   * @param {string} storageKey where this page kind keeps its session id and user (never the token)
   * @param {string[]} fallbackKeys other pages' sessions this page may borrow (the projector uses the console's)
   */
  constructor(storageKey, fallbackKeys = []) {
    this.storageKey = storageKey;
    this.fallbackKeys = fallbackKeys;
    this.onUnauthorized = () => {};
    // earlier versions kept the bearer token itself in localStorage: never leave one behind
    for (const key of Object.keys(localStorage)) {
      if (key.startsWith("icabinet.token.")) localStorage.removeItem(key);
    }
  }

  /** The session's id (from the login answer): not a credential, it names the session. */
  get session() {
    for (const key of [this.storageKey, ...this.fallbackKeys]) {
      const session = localStorage.getItem(key);
      if (session) return session;
    }
    return null;
  }

  get user() {
    try {
      return JSON.parse(localStorage.getItem(`${this.storageKey}.user`) || "null");
    } catch {
      return null;
    }
  }

  forget() {
    localStorage.removeItem(this.storageKey);
    localStorage.removeItem(`${this.storageKey}.user`);
    // a borrowed session that the server refused is of no use to its owner either
    for (const key of this.fallbackKeys) localStorage.removeItem(key);
  }

  async request(method, path, body) {
    const headers = { Accept: "application/json", "Accept-Language": getLang() };
    const session = this.session;
    if (session) headers["X-ICabinet-Session"] = session;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
      });
    } catch {
      throw new ApiError(0, t("errors.network"));
    }
    const text = await response.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (!response.ok) {
      const error = new ApiError(response.status, detailText(data, response.status), data);
      if (response.status === 401 && !isLoginStep(path)) {
        this.forget();
        this.onUnauthorized(error);
      }
      throw error;
    }
    return data;
  }

  get(path) {
    return this.request("GET", path);
  }

  post(path, body = {}) {
    return this.request("POST", path, body);
  }

  /** POST raw bytes (live audio) as application/octet-stream; resolves to the JSON answer. */
  async postBytes(path, bytes) {
    let response;
    try {
      response = await fetch(path, {
        method: "POST",
        headers: { ...this._headers("application/json"), "Content-Type": "application/octet-stream" },
        body: bytes,
        credentials: "same-origin",
      });
    } catch {
      throw new ApiError(0, t("errors.network"));
    }
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!response.ok) throw this._failed(response.status, data, path);
    return data;
  }

  patch(path, body) {
    return this.request("PATCH", path, body);
  }

  delete(path) {
    return this.request("DELETE", path);
  }

  _headers(accept) {
    const headers = { Accept: accept, "Accept-Language": getLang() };
    const session = this.session;
    if (session) headers["X-ICabinet-Session"] = session;
    return headers;
  }

  _failed(status, data, path) {
    const error = new ApiError(status, detailText(data, status), data);
    if (status === 401 && !isLoginStep(path)) {
      this.forget();
      this.onUnauthorized(error);
    }
    return error;
  }

  /**
   * GET a binary resource (a page image, a PDF) with the session header, so it is always
   * this page's user who reads it (the server refuses it when the cookie is another user's).
   */
  async blob(path, { signal } = {}) {
    let response;
    try {
      response = await fetch(path, { headers: this._headers("*/*"), credentials: "same-origin", signal });
    } catch (error) {
      if (error && error.name === "AbortError") throw error;
      throw new ApiError(0, t("errors.network"));
    }
    if (!response.ok) {
      let data = null;
      try {
        data = JSON.parse(await response.text());
      } catch {
        data = null;
      }
      throw this._failed(response.status, data, path);
    }
    return response.blob();
  }

  /** Save the resource at `path` as a file named `filename` (fetched with the session header). */
  async download(path, filename) {
    const blob = await this.blob(path);
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = filename;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  /**
   * POST multipart `form` with upload progress (fetch cannot report it): onProgress(fraction 0..1).
   * Resolves to the JSON answer; rejects with ApiError like request().
   */
  upload(path, form, onProgress = () => {}) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", path);
      for (const [name, value] of Object.entries(this._headers("application/json"))) xhr.setRequestHeader(name, value);
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable && event.total) onProgress(event.loaded / event.total);
      };
      xhr.onload = () => {
        let data = null;
        try {
          data = xhr.responseText ? JSON.parse(xhr.responseText) : null;
        } catch {
          data = null;
        }
        if (xhr.status >= 200 && xhr.status < 300) {
          onProgress(1);
          resolve(data);
        } else {
          reject(this._failed(xhr.status, data, path));
        }
      };
      xhr.onerror = () => reject(new ApiError(0, t("errors.network")));
      xhr.onabort = () => reject(new ApiError(0, t("upload.aborted")));
      xhr.send(form);
    });
  }

  /**
   * The password step: resolves to the user when the session has started, or to
   * `{second_factor: "totp" | "enrol", ticket}` when a code or an enrolment must follow.
   */
  async login(username, password) {
    const result = await this.post("/api/auth/login", { username, password });
    if (result.second_factor) return result;
    return this._keep(result);
  }

  /** How one may sign in here: `{password, single_sign_on: {name, start} | null}`. */
  loginMethods() {
    return this.get("/api/auth/methods");
  }

  /**
   * End a single sign-on the provider sent this page back from: resolves as `login` does (the user, or
   * `{second_factor, ticket}` when a code or an enrolment must follow).
   */
  async finishSingleSignOn() {
    const result = await this.post("/api/auth/oidc/finish");
    if (result.second_factor) return result;
    return this._keep(result);
  }

  /** The login's second step: a code from the authenticator app (or a recovery code) with the ticket. */
  async loginCode(ticket, code) {
    return this._keep(await this.post("/api/auth/login/second-factor", { ticket, code }));
  }

  /** A new TOTP secret for the login holding `ticket`, or (ticket null) for this session's user. */
  startEnrolment(ticket) {
    return this.post("/api/auth/second-factor/enrolment", ticket ? { ticket } : {});
  }

  /** Turn the factor on; with a ticket the login's session starts too. Resolves to {recovery_codes, login}. */
  async confirmEnrolment(ticket, code) {
    const result = await this.post("/api/auth/second-factor/confirm", ticket ? { ticket, code } : { code });
    if (result.login) this._keep(result.login);
    return result;
  }

  _keep(result) {
    // the token stays in the HttpOnly cookie the answer set; the page keeps only the session's id
    localStorage.setItem(this.storageKey, result.session);
    localStorage.setItem(`${this.storageKey}.user`, JSON.stringify(result.user));
    return result.user;
  }

  async logout() {
    try {
      if (this.session) await this.post("/api/auth/logout");
    } catch {
      // the session may already be gone; signing out locally is what matters
    } finally {
      localStorage.removeItem(this.storageKey);
      localStorage.removeItem(`${this.storageKey}.user`);
    }
  }

  /** Learns the organisation's time zone (from /api/me) once per page, before the first date is shown. */
  learnTimeZone() {
    this.timeZoneLearnt ||= this.me().catch(() => null);
    return this.timeZoneLearnt;
  }

  async me() {
    const user = await this.get("/api/me");
    setTimeZone(user.time_zone);
    localStorage.setItem(`${this.storageKey}.user`, JSON.stringify(user));
    return user;
  }
}
