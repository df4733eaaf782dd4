// The full-screen page viewer of a document, shared by the tablet and the console.
//
// - Reading: page image fitted to the width, prev/next (buttons, swipe, arrow keys),
//   "3 / 12" with a jump box, zoom (−, +, fit; ctrl+wheel / trackpad pinch), thumbnails
//   loaded as they scroll into view, the next page preloaded.
// - Following (tablet, `followable`): while following, a `present` event (or a snapshot
//   that shows someone presenting) opens the presented document at the presented page.
//   Turning pages oneself while someone presents means browsing freely: following stops,
//   and the "Browsing freely — Follow the presenter" button rejoins.
// - Presenting (secretary, chair, presenter of the current item): every page shown is
//   sent with POST /present so following tablets and the room screen follow.

import { t } from "./i18n.js";
import {
  classificationTag,
  icon,
  isViewable,
  itemLabel,
  pageUrl,
  pagesText,
  presentedPage,
  stepWidth,
  WIDTH_STEP,
} from "./documents.js";
import { SummaryPanel } from "./doc-summary.js";
import { NotesPanel } from "./notes.js";
import { confirmationAsked, confirmConfidentialPresent } from "./present-confirm.js";
import { fill, h, showError, showToast } from "./ui.js";

const ZOOM_MIN = 0.5;
const ZOOM_MAX = 4;
const ZOOM_STEP = 1.25;
const SWIPE_MIN_PX = 60;
const A4_RATIO = 210 / 297;

/** May this user present in this meeting right now? (The server has the last word.) */
export function mayPresent(state) {
  if (!state) return false;
  if (state.me.can_manage) return true;
  const current = state.agenda.find((item) => item.id === state.current_item_id);
  return Boolean(current && current.presenter_user_id != null && current.presenter_user_id === state.me.user_id);
}

function presentedDocument(state) {
  const id = state && state.presenting ? state.presenting.document_id : null;
  if (id == null) return null;
  const doc = (state.documents || []).find((candidate) => candidate.id === id);
  return isViewable(doc) ? doc : null;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what a file name must lose
const UNSAFE_IN_FILENAME = /[\\/:*?"<>|%\u0000-\u001f]+/g;

function safeFilename(title) {
  return `${String(title || "tai-lieu")
    .replace(UNSAFE_IN_FILENAME, "-")
    .slice(0, 120)}.pdf`;
}

export class DocumentViewer {
  /**
   * @param {object} options
   * @param {import("./api.js").Api} options.api
   * @param {import("./live.js").LiveMeeting} options.live
   * @param {import("./documents.js").PageImages} options.images
   * @param {boolean} [options.followable] a delegate's tablet: follows the presenter
   * @param {() => void} [options.onChange] called when open/closed/following changes (the page shows it too)
   */
  constructor({ api, live, images, followable = false, onChange = () => {} }) {
    this.api = api;
    this.live = live;
    this.images = images;
    this.followable = followable;
    this.following = followable; // a tablet follows the presenter until its reader browses on their own
    this.onChange = onChange;
    this.docId = null;
    this.doc = null;
    this.page = 1;
    this.shownKey = null;
    this.zoom = 1;
    this.presenter = false; // this screen drives "follow me"
    this.expectedEchoes = new Set(); // "doc:page" sent by us whose `present` event has not come back yet
    this.presentWanted = null;
    this.presentBusy = false;
    this.loadToken = 0;
    this.ratio = A4_RATIO;
    this.thumbsOpen = window.innerWidth >= 900;
    this.element = null;
    this.onKey = (event) => this.handleKey(event);
    this.onResize = () => {
      clearTimeout(this.resizeTimer);
      this.resizeTimer = setTimeout(() => this.layout(true), 150);
    };
    this.unsubscribe = live.onChange((state, event) => this.onState(state, event));
    // private notes of the page shown (one panel for the viewer's life: it follows the reader's other devices)
    this.notes = new NotesPanel(api, live, { onToggle: () => this.layout(true) });
  }

  get isOpen() {
    return Boolean(this.element && this.element.isConnected);
  }

  destroy() {
    this.close({ quiet: true });
    this.notes.destroy();
    if (this.unsubscribe) this.unsubscribe();
  }

  get state() {
    return this.live.state;
  }

  presentingActive() {
    return presentedDocument(this.state) !== null;
  }

  // ---------- opening, closing ----------

  /**
   * Open `docId` at `page`. source "user": the reader chose it (stops following if it is not
   * the presented document); "cite": the reader asked for this very page (an assistant's citation:
   * stops following unless it is the presented page, and is never presented to the room);
   * "follow": the presenter moved; "present": start presenting it.
   * `doc`: the document itself when it is not in this meeting's state (a citation of an earlier meeting).
   */
  open(docId, { page = 1, source = "user", doc: given = null } = {}) {
    const state = this.state;
    const doc = (state && (state.documents || []).find((candidate) => candidate.id === docId)) || given;
    if (!isViewable(doc)) {
      showToast(t("doc.not_viewable"), "error");
      return;
    }
    const presented = presentedDocument(state);
    const reading = source === "user" || source === "cite";
    if (reading && this.followable && this.following && presented) {
      const presentedAt = presentedPage(state, presented);
      if (presented.id === docId && source === "user") page = presentedAt;
      else if (presented.id !== docId || page !== presentedAt) this.following = false;
    }
    if (source === "present") this.presenter = true;
    else if (source === "cite" && this.presenter) this.presenter = false;
    else if (source === "user" && this.presenter && docId !== this.docId) this.presenter = false;
    const switching = docId !== this.docId || !this.isOpen;
    this.docId = docId;
    this.doc = doc;
    // a document of another meeting: this meeting's events say nothing about it
    this.foreign = doc.meeting_id != null && doc.meeting_id !== this.live.meetingId;
    if (switching) {
      this.zoom = 1;
      this.shownKey = null;
      this.version = doc.current_version;
    }
    if (!this.isOpen) this.attach();
    if (switching) this.renderFrame();
    this.show(page, { scrollTop: true });
    if (this.presenter) this.sendPresent();
    this.stage.focus({ preventScroll: true });
    this.onChange();
  }

  /** Close the viewer. `notice`: why, shown as a toast (the document was removed, say). */
  close({ notice = null, quiet = false, byUser = false } = {}) {
    if (byUser && this.followable && this.following && this.presentingActive()) {
      // closing what is presented is choosing not to follow it (else the next page turn would reopen it)
      this.following = false;
    }
    this.notes.flush();
    if (this.element) this.element.remove();
    document.removeEventListener("keydown", this.onKey);
    window.removeEventListener("resize", this.onResize);
    if (this.thumbObserver) this.thumbObserver.disconnect();
    this.docId = null;
    this.doc = null;
    this.foreign = false;
    this.presenter = false;
    this.shownKey = null;
    this.loadToken += 1;
    if (notice) showToast(notice, "error");
    if (!quiet) this.onChange();
  }

  attach() {
    this.build();
    document.body.append(this.element);
    document.addEventListener("keydown", this.onKey);
    window.addEventListener("resize", this.onResize);
  }

  /** Redraw the labels in the current language. */
  relabel() {
    if (!this.isOpen) return;
    const page = this.page;
    this.element.remove();
    this.build();
    document.body.append(this.element);
    this.renderFrame();
    this.shownKey = null;
    this.show(page);
  }

  // ---------- live changes ----------

  onState(state, event) {
    if (!state) return;
    if (this.isOpen && !this.foreign) {
      const doc = (state.documents || []).find((candidate) => candidate.id === this.docId);
      if (!doc) {
        this.close({ notice: t("doc.removed_notice", { title: this.doc ? this.doc.title : "" }) });
      } else if (!isViewable(doc)) {
        this.close({ notice: t("doc.failed_notice", { title: doc.title }) });
      } else {
        const newVersion = doc.current_version !== this.version;
        this.doc = doc;
        if (newVersion) {
          this.version = doc.current_version;
          showToast(t("doc.new_version_notice", { n: doc.current_version }));
          this.renderFrame();
          this.shownKey = null;
          this.show(Math.min(this.page, doc.page_count));
        } else {
          this.renderHeading();
        }
      }
    }
    if (event && event.name === "present") this.onPresent(event.data || {});
    if (this.followable && this.following && !this.presenter) this.syncToPresenter(state);
    if (this.isOpen) this.renderMode();
  }

  onPresent(data) {
    const key = `${data.document_id}:${data.page}`;
    if (this.expectedEchoes.has(key)) {
      this.expectedEchoes.delete(key);
      return;
    }
    if (this.presenter && data.document_id !== this.docId) {
      // someone else took over, or stopped it
      this.presenter = false;
      showToast(t("present.taken_over"));
    } else if (!this.presenter && this.followable && this.following && data.document_id == null && this.isOpen) {
      showToast(t("follow.stopped"));
    }
  }

  syncToPresenter(state) {
    const doc = presentedDocument(state);
    if (!doc) return;
    const page = presentedPage(state, doc);
    if (!this.isOpen || this.docId !== doc.id) this.open(doc.id, { page, source: "follow" });
    else if (this.page !== page) this.show(page, { scrollTop: true });
  }

  setFollowing(on) {
    this.following = on;
    if (on) this.syncToPresenter(this.state);
    if (this.isOpen) this.renderMode();
    this.onChange();
  }

  // ---------- presenting ----------

  startPresenting() {
    this.presenter = true;
    this.renderMode();
    this.sendPresent();
    this.onChange();
  }

  async stopPresenting(button) {
    this.presenter = false;
    this.presentWanted = null;
    this.renderMode();
    if (button) button.disabled = true;
    try {
      await this.api.post(`/api/meetings/${this.live.meetingId}/present`, { document_id: null });
    } catch (error) {
      showError(error);
    } finally {
      if (button) button.disabled = false;
    }
    this.onChange();
  }

  /** Send the page shown; turns made while a request is on its way are coalesced into the newest. */
  sendPresent() {
    if (!this.presenter || this.docId == null) return;
    this.presentWanted = { document_id: this.docId, page: this.page };
    if (this.presentBusy) return;
    this.presentBusy = true;
    (async () => {
      try {
        while (this.presentWanted && this.presenter) {
          const body = this.presentWanted;
          this.presentWanted = null;
          const key = `${body.document_id}:${body.page}`;
          this.expectedEchoes.add(key);
          try {
            await this.api.post(`/api/meetings/${this.live.meetingId}/present`, body);
          } catch (error) {
            this.expectedEchoes.delete(key);
            const asked = body.confirm ? null : confirmationAsked(error);
            if (asked && (await confirmConfidentialPresent(asked)) && this.presenter) {
              // the newest page wanted meanwhile, with the confirmation
              this.presentWanted = { ...(this.presentWanted || body), confirm: true };
              continue;
            }
            this.presenter = false;
            if (!asked) showError(error);
            if (this.isOpen) this.renderMode();
            this.onChange();
          }
        }
      } finally {
        this.presentBusy = false;
      }
    })();
  }

  // ---------- turning pages ----------

  /** The reader turns to `page` (buttons, swipe, keys, thumbnails, the jump box). */
  go(page) {
    if (!this.doc) return;
    const target = Math.min(Math.max(1, Math.round(page) || 1), this.doc.page_count);
    if (target === this.page) {
      this.pageInput.value = String(this.page);
      return;
    }
    if (this.followable && this.following && !this.presenter && this.presentingActive()) {
      this.following = false;
      this.onChange();
    }
    this.show(target, { scrollTop: true });
    if (this.presenter) this.sendPresent();
    this.renderMode();
  }

  show(page, { scrollTop = false } = {}) {
    const doc = this.doc;
    if (!doc) return;
    this.page = Math.min(Math.max(1, page), doc.page_count);
    this.pageInput.value = String(this.page);
    this.pageInput.max = String(doc.page_count);
    this.prevButton.disabled = this.page <= 1;
    this.nextButton.disabled = this.page >= doc.page_count;
    this.markThumb();
    this.notes.show(doc, this.page);
    if (scrollTop) this.stage.scrollTo({ top: 0, left: this.stage.scrollLeft });
    this.loadPage();
  }

  /** The sheet's CSS width: the stage's width at zoom 1 ("fit to width"). */
  fitWidth() {
    const style = getComputedStyle(this.stage);
    const inner = this.stage.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return Math.max(200, Math.min(inner, 1600));
  }

  layout(reload = false) {
    if (!this.isOpen || !this.doc) return;
    const width = Math.round(this.fitWidth() * this.zoom);
    this.sheet.style.width = `${width}px`;
    this.sheet.style.aspectRatio = String(this.ratio);
    this.zoomLabel.textContent = `${Math.round(this.zoom * 100)}%`;
    this.zoomOut.disabled = this.zoom <= ZOOM_MIN + 1e-6;
    this.zoomIn.disabled = this.zoom >= ZOOM_MAX - 1e-6;
    this.stage.classList.toggle("is-zoomed", this.zoom > 1.001);
    if (reload) this.loadPage();
  }

  async loadPage() {
    const doc = this.doc;
    const page = this.page;
    this.layout();
    const width = stepWidth(parseFloat(this.sheet.style.width));
    const key = `${doc.id}:${doc.current_version}:${page}:${width}`;
    if (key === this.shownKey) return;
    const token = ++this.loadToken;
    this.statusBox.hidden = true;
    const slow = setTimeout(() => {
      if (token === this.loadToken) this.sheet.classList.add("is-loading");
    }, 120);
    try {
      const url = await this.images.load(doc, page, width);
      const probe = new Image();
      probe.src = url;
      await probe.decode().catch(() => {});
      if (token !== this.loadToken) return;
      if (probe.naturalWidth && probe.naturalHeight) {
        const ratio = probe.naturalWidth / probe.naturalHeight;
        if (Math.abs(ratio - this.ratio) > 0.002) {
          this.ratio = ratio;
          this.element.style.setProperty("--page-ratio", String(ratio));
          this.sheet.style.aspectRatio = String(ratio);
        }
      }
      this.img.src = url;
      this.img.alt = t("viewer.page_alt", { page, count: doc.page_count, title: doc.title });
      this.img.dataset.page = String(page);
      this.img.dataset.version = String(doc.current_version);
      this.img.hidden = false;
      this.shownKey = key;
      this.preloadAround(doc, page, width);
    } catch (error) {
      if (token !== this.loadToken) return;
      this.shownKey = null;
      fill(
        this.statusBox,
        h("p", {}, t("viewer.load_failed", { page })),
        h("p", { class: "viewer-status-detail" }, error.detail || error.message || ""),
        h("button", { class: "btn btn-primary", type: "button", onclick: () => this.loadPage() }, t("viewer.retry")),
      );
      this.statusBox.hidden = false;
    } finally {
      clearTimeout(slow);
      if (token === this.loadToken) this.sheet.classList.remove("is-loading");
    }
  }

  preloadAround(doc, page, width) {
    this.images.preload(doc, page + 1, width);
    this.images.preload(doc, page - 1, width);
  }

  setZoom(zoom) {
    const next = Math.min(ZOOM_MAX, Math.max(ZOOM_MIN, zoom));
    if (Math.abs(next - this.zoom) < 1e-6) return;
    const stage = this.stage;
    // keep the middle of what is seen in the middle
    const cx = (stage.scrollLeft + stage.clientWidth / 2) / Math.max(1, stage.scrollWidth);
    const cy = (stage.scrollTop + stage.clientHeight / 2) / Math.max(1, stage.scrollHeight);
    this.zoom = next;
    this.layout();
    stage.scrollLeft = cx * stage.scrollWidth - stage.clientWidth / 2;
    stage.scrollTop = cy * stage.scrollHeight - stage.clientHeight / 2;
    clearTimeout(this.zoomTimer);
    this.zoomTimer = setTimeout(() => this.loadPage(), 200);
  }

  // ---------- input ----------

  handleKey(event) {
    if (!this.isOpen || event.defaultPrevented) return;
    if (document.querySelector("dialog[open]")) return;
    const target = event.target;
    const typing = target instanceof HTMLElement && target.matches("input, select, textarea");
    if (event.key === "Escape") {
      if (typing) target.blur();
      else if (this.summary.isOpen) this.summary.close();
      else this.close({ byUser: true });
      event.preventDefault();
      return;
    }
    if (typing || event.altKey || event.metaKey) return;
    const actions = {
      ArrowLeft: () => this.go(this.page - 1),
      ArrowRight: () => this.go(this.page + 1),
      PageUp: () => this.go(this.page - 1),
      PageDown: () => this.go(this.page + 1),
      Home: () => this.go(1),
      End: () => this.go(this.doc.page_count),
      "+": () => this.setZoom(this.zoom * ZOOM_STEP),
      "=": () => this.setZoom(this.zoom * ZOOM_STEP),
      "-": () => this.setZoom(this.zoom / ZOOM_STEP),
      0: () => this.setZoom(1),
    };
    // with a zoomed page the arrows scroll it
    if (this.stage.classList.contains("is-zoomed") && event.key.startsWith("Arrow")) return;
    const action = actions[event.key];
    if (action && !event.ctrlKey) {
      event.preventDefault();
      action();
    }
  }

  bindGestures(stage) {
    let start = null;
    stage.addEventListener("pointerdown", (event) => {
      if (!event.isPrimary || event.button > 0 || event.target.closest("button, input")) return;
      start = { x: event.clientX, y: event.clientY, at: performance.now() };
    });
    stage.addEventListener("pointercancel", () => {
      start = null;
    });
    stage.addEventListener("pointerup", (event) => {
      if (!start || !event.isPrimary) return;
      const dx = event.clientX - start.x;
      const dy = event.clientY - start.y;
      const quick = performance.now() - start.at < 900;
      start = null;
      // a zoomed page pans sideways instead
      const pannable = stage.scrollWidth > stage.clientWidth + 2;
      if (pannable || !quick || Math.abs(dx) < SWIPE_MIN_PX || Math.abs(dx) < 2 * Math.abs(dy)) return;
      this.go(this.page + (dx < 0 ? 1 : -1));
    });
    // a trackpad pinch arrives as ctrl+wheel
    stage.addEventListener(
      "wheel",
      (event) => {
        if (!event.ctrlKey) return;
        event.preventDefault();
        this.setZoom(this.zoom * Math.exp(-event.deltaY / 300));
      },
      { passive: false },
    );
  }

  // ---------- drawing ----------

  build() {
    this.closeButton = h(
      "button",
      {
        class: "btn viewer-close",
        type: "button",
        testid: "viewer-close",
        title: t("viewer.close"),
        onclick: () => this.close({ byUser: true }),
      },
      icon("close"),
      h("span", {}, t("viewer.close")),
    );
    this.heading = h("div", { class: "viewer-heading" });
    this.mode = h("div", { class: "viewer-mode" });
    this.thumbsButton = h(
      "button",
      {
        class: "btn viewer-tool",
        type: "button",
        testid: "viewer-thumbs-toggle",
        title: t("viewer.thumbs"),
        "aria-label": t("viewer.thumbs"),
        "aria-pressed": String(this.thumbsOpen),
        onclick: () => {
          this.thumbsOpen = !this.thumbsOpen;
          this.thumbs.hidden = !this.thumbsOpen;
          this.thumbsButton.setAttribute("aria-pressed", String(this.thumbsOpen));
          this.layout(true);
          this.markThumb();
        },
      },
      icon("grid"),
    );
    this.downloadButton = h(
      "button",
      {
        class: "btn viewer-tool",
        type: "button",
        testid: "viewer-download",
        title: t("viewer.download"),
        "aria-label": t("viewer.download"),
        onclick: async (event) => {
          const button = event.currentTarget;
          button.disabled = true;
          try {
            await this.api.download(`/api/documents/${this.docId}/file`, safeFilename(this.doc && this.doc.title));
          } catch (error) {
            showError(error);
          } finally {
            button.disabled = false;
          }
        },
      },
      icon("download"),
    );
    this.summary = new SummaryPanel(this.api, { onPage: (page) => this.go(page), onToggle: () => this.layout(true) });
    this.thumbs = h("nav", {
      class: "viewer-thumbs",
      "aria-label": t("viewer.thumbs"),
      testid: "viewer-thumbs",
      hidden: !this.thumbsOpen,
    });
    this.img = h("img", {
      class: "viewer-page-image",
      testid: "viewer-page-image",
      alt: "",
      draggable: "false",
      hidden: true,
    });
    this.sheet = h(
      "div",
      { class: "viewer-sheet" },
      this.img,
      h("div", { class: "viewer-spinner", "aria-hidden": "true" }),
    );
    this.statusBox = h("div", { class: "viewer-status", role: "alert", hidden: true });
    this.stage = h("div", { class: "viewer-stage", tabindex: "-1", testid: "viewer-stage" }, this.sheet);
    this.bindGestures(this.stage);
    this.prevButton = h(
      "button",
      {
        class: "viewer-nav viewer-nav-prev",
        type: "button",
        testid: "viewer-prev",
        title: t("viewer.prev"),
        "aria-label": t("viewer.prev"),
        onclick: () => this.go(this.page - 1),
      },
      icon("prev"),
    );
    this.nextButton = h(
      "button",
      {
        class: "viewer-nav viewer-nav-next",
        type: "button",
        testid: "viewer-next",
        title: t("viewer.next"),
        "aria-label": t("viewer.next"),
        onclick: () => this.go(this.page + 1),
      },
      icon("next"),
    );
    this.pageInput = h("input", {
      class: "viewer-page-input",
      type: "number",
      min: "1",
      inputmode: "numeric",
      testid: "viewer-page-input",
      "aria-label": t("viewer.jump"),
      onkeydown: (event) => {
        if (event.key === "Enter") {
          event.preventDefault();
          this.go(Number(this.pageInput.value));
          this.stage.focus({ preventScroll: true });
        }
      },
      onchange: () => this.go(Number(this.pageInput.value)),
      onblur: () => {
        this.pageInput.value = String(this.page);
      },
      onfocus: () => this.pageInput.select(),
    });
    this.pageCount = h("span", { class: "viewer-page-count", testid: "viewer-page-count" });
    this.zoomOut = h(
      "button",
      {
        class: "viewer-zoom",
        type: "button",
        testid: "viewer-zoom-out",
        title: t("viewer.zoom_out"),
        "aria-label": t("viewer.zoom_out"),
        onclick: () => this.setZoom(this.zoom / ZOOM_STEP),
      },
      "−",
    );
    this.zoomLabel = h("span", { class: "viewer-zoom-label", "aria-live": "polite" }, "100%");
    this.zoomIn = h(
      "button",
      {
        class: "viewer-zoom",
        type: "button",
        testid: "viewer-zoom-in",
        title: t("viewer.zoom_in"),
        "aria-label": t("viewer.zoom_in"),
        onclick: () => this.setZoom(this.zoom * ZOOM_STEP),
      },
      "+",
    );
    const fit = h(
      "button",
      {
        class: "viewer-zoom viewer-fit",
        type: "button",
        testid: "viewer-zoom-fit",
        title: t("viewer.fit"),
        onclick: () => this.setZoom(1),
      },
      t("viewer.fit"),
    );
    const toolbar = h(
      "div",
      { class: "viewer-toolbar" },
      h(
        "div",
        { class: "viewer-pager" },
        h("span", { class: "viewer-page-label" }, t("viewer.page")),
        this.pageInput,
        this.pageCount,
      ),
      h("span", { class: "viewer-sep", "aria-hidden": "true" }),
      this.zoomOut,
      this.zoomLabel,
      this.zoomIn,
      fit,
    );
    this.element = h(
      "div",
      {
        class: "viewer",
        testid: "viewer",
        role: "dialog",
        "aria-modal": "true",
        style: `--page-ratio:${this.ratio}`,
      },
      h(
        "header",
        { class: "viewer-bar" },
        this.closeButton,
        this.heading,
        this.mode,
        h(
          "div",
          { class: "viewer-actions" },
          this.notes.button,
          this.summary.button,
          this.thumbsButton,
          this.downloadButton,
        ),
      ),
      h(
        "div",
        { class: "viewer-body" },
        this.thumbs,
        h("div", { class: "viewer-main" }, this.stage, this.statusBox, this.prevButton, this.nextButton, toolbar),
        this.summary.element,
        this.notes.element,
      ),
    );
  }

  /** Heading, thumbnails: what changes with the document (not with the page). */
  renderFrame() {
    this.renderHeading();
    this.renderThumbs();
    this.renderMode();
    this.layout();
  }

  renderHeading() {
    const doc = this.doc;
    if (!doc || !this.heading) return;
    this.element.setAttribute("aria-label", doc.title);
    this.element.dataset.documentId = String(doc.id);
    this.summary.show(doc);
    fill(
      this.heading,
      h("h2", { class: "viewer-title", testid: "viewer-title", title: doc.title }, doc.title),
      h(
        "p",
        { class: "viewer-meta" },
        h(
          "span",
          { testid: "viewer-item-label" },
          this.foreign ? t("viewer.other_meeting") : itemLabel(this.state, doc.agenda_item_id),
        ),
        h("span", {}, pagesText(doc.page_count)),
        classificationTag(doc),
        doc.current_version > 1 ? h("span", {}, t("doc.version", { n: doc.current_version })) : null,
      ),
    );
    this.pageCount.textContent = `/ ${doc.page_count}`;
  }

  renderThumbs() {
    const doc = this.doc;
    if (this.thumbObserver) this.thumbObserver.disconnect();
    const width = stepWidth(112) || WIDTH_STEP;
    this.thumbObserver = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          if (!entry.isIntersecting) continue;
          const img = entry.target;
          this.thumbObserver.unobserve(img);
          const page = Number(img.dataset.page);
          this.images.load(doc, page, width).then(
            (url) => {
              img.src = url;
              img.classList.add("is-loaded");
            },
            () => img.classList.add("is-failed"),
          );
        }
      },
      { root: this.thumbs, rootMargin: "300px 0px" },
    );
    const buttons = [];
    for (let page = 1; page <= doc.page_count; page += 1) {
      const img = h("img", {
        alt: "",
        draggable: "false",
        "data-page": String(page),
        "data-src": pageUrl(doc, page, width),
      });
      buttons.push(
        h(
          "button",
          {
            class: "viewer-thumb",
            type: "button",
            testid: `viewer-thumb-${page}`,
            "data-page": String(page),
            "aria-label": t("viewer.go_page", { page }),
            onclick: () => this.go(page),
          },
          h("span", { class: "viewer-thumb-frame" }, img),
          h("span", { class: "viewer-thumb-number" }, String(page)),
        ),
      );
      this.thumbObserver.observe(img);
    }
    fill(this.thumbs, ...buttons);
  }

  markThumb() {
    if (!this.thumbs) return;
    for (const button of this.thumbs.children) {
      const active = Number(button.dataset.page) === this.page;
      button.classList.toggle("is-active", active);
      if (active) button.setAttribute("aria-current", "page");
      else button.removeAttribute("aria-current");
      if (active && !this.thumbs.hidden) {
        const top = button.offsetTop - this.thumbs.offsetTop;
        if (
          top < this.thumbs.scrollTop ||
          top + button.offsetHeight > this.thumbs.scrollTop + this.thumbs.clientHeight
        ) {
          this.thumbs.scrollTo({ top: Math.max(0, top - this.thumbs.clientHeight / 3) });
        }
      }
    }
  }

  /** Following / presenting controls in the bar. */
  renderMode() {
    if (!this.mode) return;
    const state = this.state;
    const parts = [];
    if (this.presenter) {
      parts.push(
        h(
          "span",
          { class: "present-badge", testid: "presenting-badge" },
          h("span", { class: "live-dot", "aria-hidden": "true" }),
          t("present.active"),
        ),
        h(
          "button",
          {
            class: "btn btn-danger",
            type: "button",
            testid: "stop-presenting",
            onclick: (event) => this.stopPresenting(event.currentTarget),
          },
          t("present.stop"),
        ),
      );
    } else {
      if (this.followable) parts.push(this.followButton(state, "follow-toggle"));
      if (mayPresent(state)) {
        parts.push(
          h(
            "button",
            {
              class: "btn viewer-present",
              type: "button",
              testid: "viewer-present",
              title: t("present.hint"),
              onclick: () => this.startPresenting(),
            },
            icon("present"),
            h("span", {}, t("present.start")),
          ),
        );
      }
    }
    fill(this.mode, ...parts);
  }

  /** The follow toggle; the page uses the same look outside the viewer. */
  followButton(state, testid) {
    return followToggle(this, state, testid);
  }
}

/** "Following the presenter" (on) or "Browsing freely — Follow the presenter" (off), with what is presented. */
export function followToggle(viewer, state, testid) {
  const presented = presentedDocument(state);
  const following = viewer.following;
  const page = presented ? presentedPage(state, presented) : null;
  let detail = null;
  if (following) detail = presented ? t("follow.at_page", { page }) : t("follow.waiting");
  return h(
    "button",
    {
      class: `follow-toggle ${following ? "is-on" : "is-off"}`,
      type: "button",
      testid,
      "data-following": following ? "true" : "false",
      "data-presenting-page": page == null ? "" : String(page),
      "data-presenting-document": presented ? String(presented.id) : "",
      "aria-pressed": following ? "true" : "false",
      title: following ? t("follow.on_hint") : t("follow.off_hint"),
      onclick: () => viewer.setFollowing(!following),
    },
    following ? h("span", { class: "live-dot", "aria-hidden": "true" }) : icon("follow"),
    h(
      "span",
      { class: "follow-text" },
      h("span", { class: "follow-label" }, following ? t("follow.on") : t("follow.off")),
      detail ? h("small", { class: "follow-detail" }, detail) : null,
    ),
  );
}
