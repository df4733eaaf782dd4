// Minutes (biên bản) in the console: draft from the record, edit section by section with each line's
// evidence one click away, save as versions, approve and reopen (the chair), export DOCX and PDF, and the
// version history. When someone else saves while this page has unsaved edits (the live `minutes.updated`, or
// this page's save refused as stale), their version is merged into the page line by line (minutes-merge.js):
// edits on different lines are all kept, and the same line changed on both sides shows both texts to choose.

import { DICTIONARIES, formatDateTime, t } from "./i18n.js";
import { hasEdits, mergeMinutes } from "./minutes-merge.js";
import { signingView, verifyView } from "./minutes-signing.js";
import { openTranscript } from "./transcripts.js";
import { confirmDialog, fill, h, showError, showToast } from "./ui.js";

Object.assign(DICTIONARIES.vi, {
  "minutes.title": "Biên bản",
  "minutes.none": "Chưa có biên bản. Bấm “Lập dự thảo” để dựng biên bản từ diễn biến cuộc họp.",
  "minutes.draft": "Lập dự thảo biên bản",
  "minutes.redraft_confirm": "Lập lại dự thảo từ diễn biến cuộc họp? Phiên bản hiện tại vẫn được lưu trong lịch sử.",
  "minutes.save": "Lưu phiên bản",
  "minutes.saved": "Đã lưu phiên bản {n}",
  "minutes.approve": "Duyệt biên bản",
  "minutes.approve_confirm": "Duyệt và ký số biên bản phiên bản {n}? Sau khi duyệt, biên bản chỉ đọc.",
  "minutes.reopen": "Mở lại để sửa",
  "minutes.reopen_reason": "Lý do mở lại",
  "minutes.status.draft": "Dự thảo",
  "minutes.status.approved": "Đã duyệt",
  "minutes.version": "Phiên bản {n}",
  "minutes.approved_by": "Duyệt bởi {name} lúc {time}",
  "minutes.updated_by": "Sửa lần cuối bởi {name} lúc {time}",
  "minutes.docx": "Tải DOCX",
  "minutes.pdf": "Tải PDF",
  "minutes.pdf_signed": "Tải PDF đã ký",
  "minutes.extract": "Bản trích: không gồm các dòng bạn không được xem ở nguồn (tài liệu, phiên âm, ý kiến).",
  "minutes.history": "Lịch sử phiên bản",
  "minutes.add_line": "+ Thêm dòng",
  "minutes.remove_line": "Xoá dòng",
  "minutes.kind.drafted": "lập dự thảo",
  "minutes.kind.edited": "chỉnh sửa",
  "minutes.kind.reopened": "mở lại",
  "minutes.evidence.meeting": "Cuộc họp",
  "minutes.evidence.attendance": "Điểm danh",
  "minutes.evidence.agenda_item": "Mục",
  "minutes.evidence.document": "Tài liệu",
  "minutes.evidence.speech": "Phát biểu",
  "minutes.evidence.transcript": "Bản ghi",
  "minutes.evidence.opinion": "Ý kiến",
  "minutes.evidence.poll": "Biểu quyết",
  "minutes.evidence.conclusion": "Kết luận",
  "minutes.evidence.task": "Nhiệm vụ",
  "minutes.evidence.page": "Tr. {n}",
  "minutes.merged": "Đã gộp phiên bản {n} của người khác vào trang; các dòng bạn chưa lưu vẫn được giữ",
  "minutes.conflicts": "Phiên bản {n} sửa cùng dòng với bạn: chọn bản giữ lại ({count} chỗ)",
  "minutes.conflict.title": "Hai bản sửa khác nhau của cùng một dòng",
  "minutes.conflict.mine": "Bản của bạn (chưa lưu)",
  "minutes.conflict.theirs": "Bản đã lưu (phiên bản {n})",
  "minutes.conflict.keep_mine": "Giữ bản của bạn",
  "minutes.conflict.keep_theirs": "Dùng bản đã lưu",
  "minutes.conflict.unresolved": "Còn {count} chỗ sửa trùng chưa chọn bản giữ lại",
});
Object.assign(DICTIONARIES.en, {
  "minutes.title": "Minutes",
  "minutes.none": "No minutes yet. Press “Draft minutes” to build them from the meeting's record.",
  "minutes.draft": "Draft minutes",
  "minutes.redraft_confirm": "Draft again from the meeting's record? The current version stays in the history.",
  "minutes.save": "Save version",
  "minutes.saved": "Saved version {n}",
  "minutes.approve": "Approve minutes",
  "minutes.approve_confirm": "Approve and sign version {n}? Approved minutes are read-only.",
  "minutes.reopen": "Reopen for editing",
  "minutes.reopen_reason": "Why reopen",
  "minutes.status.draft": "Draft",
  "minutes.status.approved": "Approved",
  "minutes.version": "Version {n}",
  "minutes.approved_by": "Approved by {name} at {time}",
  "minutes.updated_by": "Last changed by {name} at {time}",
  "minutes.docx": "Download DOCX",
  "minutes.pdf": "Download PDF",
  "minutes.pdf_signed": "Download signed PDF",
  "minutes.extract":
    "Extract: the lines whose sources (documents, transcripts, opinions) you may not read are left out.",
  "minutes.history": "Version history",
  "minutes.add_line": "+ Add line",
  "minutes.remove_line": "Remove line",
  "minutes.kind.drafted": "drafted",
  "minutes.kind.edited": "edited",
  "minutes.kind.reopened": "reopened",
  "minutes.evidence.meeting": "Meeting",
  "minutes.evidence.attendance": "Attendance",
  "minutes.evidence.agenda_item": "Item",
  "minutes.evidence.document": "Document",
  "minutes.evidence.speech": "Speech",
  "minutes.evidence.transcript": "Transcript",
  "minutes.evidence.opinion": "Opinion",
  "minutes.evidence.poll": "Vote",
  "minutes.evidence.conclusion": "Conclusion",
  "minutes.evidence.task": "Task",
  "minutes.evidence.page": "p. {n}",
  "minutes.merged": "Merged version {n} saved by someone else into the page; your unsaved lines are kept",
  "minutes.conflicts": "Version {n} changed the same lines as you: choose which to keep ({count})",
  "minutes.conflict.title": "Two different edits of the same line",
  "minutes.conflict.mine": "Yours (not saved)",
  "minutes.conflict.theirs": "Saved (version {n})",
  "minutes.conflict.keep_mine": "Keep yours",
  "minutes.conflict.keep_theirs": "Use the saved one",
  "minutes.conflict.unresolved": "{count} overlapping edits still need a choice",
});

const MAX_EVIDENCE_CHIPS = 4;
const CHIP_LABEL_CHARS = 40;

/** The console's minutes panel (chair, secretary and administrators; others read approved minutes). */
export class ConsoleMinutes {
  constructor(ctx) {
    this.ctx = ctx;
    this.minutes = null;
    this.loadedFor = null;
    this.body = h("div", { class: "minutes-body", testid: "minutes-body" });
    this.element = h(
      "section",
      { class: "card console-minutes", testid: "console-minutes" },
      h("h2", { class: "card-title" }, t("minutes.title")),
      this.body,
    );
  }

  base(state) {
    return `/api/meetings/${state.meeting.id}/minutes`;
  }

  async reload(state) {
    try {
      this.minutes = await this.ctx.api.get(this.base(state));
    } catch (error) {
      this.minutes = null;
      if (error.status !== 404) showError(error);
    }
    this.draw(state);
  }

  render(state) {
    if (!state) return;
    this.state = state;
    const known = state.minutes || null;
    const key = `${state.meeting.id}:${known ? `${known.status}:${known.version}` : "none"}`;
    if (key === this.loadedFor) return;
    this.loadedFor = key;
    if (known && this.unsaved()) this.mergeNewer(state);
    else if (known) this.reload(state);
    else {
      this.minutes = null;
      this.draw(state);
    }
  }

  isChair(state) {
    return state.me.meeting_role === "chair";
  }

  /** Whether the page holds edits of a draft not saved yet (the text differs from the version loaded). */
  unsaved() {
    if (!this.minutes || this.minutes.status !== "draft" || !this.editors || !this.editors.length) return false;
    if (this.state && this.minutes.meeting_id !== this.state.meeting.id) return false; // another meeting's page
    return this.conflictsLeft() > 0 || hasEdits(this.minutes.content, this.collect());
  }

  /** Fetch the newest version and merge it into the page: its lines, with the page's unsaved ones kept. */
  async mergeNewer(state) {
    let newer;
    try {
      newer = await this.ctx.api.get(this.base(state));
    } catch (error) {
      showError(error);
      return;
    }
    if (newer.version === this.minutes.version || newer.status !== "draft") {
      this.adopt(state, newer);
      return;
    }
    // collected now, not before the fetch: what was typed meanwhile is kept too
    const { content, conflicts } = mergeMinutes(this.minutes.content, this.collect(), newer.content);
    this.minutes = newer;
    this.loadedFor = `${state.meeting.id}:${newer.status}:${newer.version}`;
    this.draw(state, content);
    showToast(
      conflicts
        ? t("minutes.conflicts", { n: newer.version, count: conflicts })
        : t("minutes.merged", { n: newer.version }),
      conflicts ? "error" : "info",
    );
  }

  /** `shown`: the content to show in the editors when it is not the version's own (a merge's result). */
  draw(state, shown = null) {
    const manage = state.me.can_manage;
    const minutes = this.minutes;
    if (!minutes) {
      fill(
        this.body,
        h("p", { class: "muted", testid: "minutes-none" }, t("minutes.none")),
        manage ? this.draftButton(state) : null,
      );
      return;
    }
    const approved = minutes.status === "approved";
    // an extract cannot be saved back: it would drop the lines its reader may not see
    const editable = manage && !approved && !minutes.extract;
    const who = approved
      ? t("minutes.approved_by", { name: minutes.approved_by_name || "", time: formatDateTime(minutes.approved_at) })
      : t("minutes.updated_by", { name: minutes.updated_by_name || "", time: formatDateTime(minutes.updated_at) });
    // the focused line keeps its focus and caret across a redraw (a merge while typing)
    const focused = this.element.contains(document.activeElement) ? document.activeElement : null;
    const caret = focused
      ? { testid: focused.dataset.testid, start: focused.selectionStart, end: focused.selectionEnd }
      : null;
    this.editors = [];
    const sections = (shown || minutes.content).sections.map((section, index) =>
      this.sectionView(state, section, index, editable),
    );
    const actions = [];
    if (editable) {
      const save = h(
        "button",
        { class: "btn btn-primary", type: "button", testid: "minutes-save", onclick: () => this.save(state, save) },
        t("minutes.save"),
      );
      actions.push(save, this.draftButton(state));
    }
    if (this.isChair(state) && !approved) {
      const approve = h(
        "button",
        {
          class: "btn btn-primary",
          type: "button",
          testid: "minutes-approve",
          onclick: async () => {
            if (!(await confirmDialog(t("minutes.approve_confirm", { n: minutes.version })))) return;
            const result = await this.ctx.act(approve, () =>
              this.ctx.api.post(`${this.base(state)}/approve`, { base_version: minutes.version }),
            );
            if (result.ok) this.adopt(state, result.value);
          },
        },
        t("minutes.approve"),
      );
      actions.push(approve);
    }
    if (this.isChair(state) && approved) {
      const reason = h("input", {
        type: "text",
        maxlength: "1000",
        testid: "minutes-reopen-reason",
        placeholder: t("minutes.reopen_reason"),
      });
      const reopen = h(
        "button",
        {
          class: "btn btn-secondary",
          type: "button",
          testid: "minutes-reopen",
          onclick: async () => {
            const result = await this.ctx.act(reopen, () =>
              this.ctx.api.post(`${this.base(state)}/reopen`, { reason: reason.value }),
            );
            if (result.ok) this.adopt(state, result.value);
          },
        },
        t("minutes.reopen"),
      );
      actions.push(reason, reopen);
    }
    const exports = h(
      "div",
      { class: "minutes-exports" },
      this.downloadButton(state, "docx", t("minutes.docx")),
      this.downloadButton(state, "pdf", minutes.signed ? t("minutes.pdf_signed") : t("minutes.pdf")),
    );
    const history = manage ? this.historyView(state) : null;
    fill(
      this.body,
      h(
        "p",
        { class: "minutes-state" },
        h(
          "span",
          {
            class: `chip chip-${approved ? "live" : "draft"}`,
            testid: "minutes-status",
            "data-status": minutes.status,
          },
          t(`minutes.status.${minutes.status}`),
        ),
        " ",
        h(
          "span",
          { testid: "minutes-version", "data-version": String(minutes.version) },
          t("minutes.version", { n: minutes.version }),
        ),
        h("small", { class: "muted" }, ` · ${who}`),
      ),
      h(
        "div",
        { class: "minutes-header muted small" },
        [minutes.content.header.kind, minutes.content.header.title].filter(Boolean).join(" · "),
      ),
      minutes.extract ? h("p", { class: "muted small", testid: "minutes-extract" }, t("minutes.extract")) : null,
      h("div", { class: "minutes-sections", testid: "minutes-sections" }, ...sections),
      actions.length ? h("div", { class: "control-buttons minutes-actions" }, ...actions) : null,
      signingView(this.ctx, state, minutes, this.base(state), (value) => this.adopt(state, value)),
      exports,
      approved && !minutes.extract ? verifyView(this.ctx, `/api/meetings/${state.meeting.id}/minutes.pdf`) : null,
      history,
    );
    const again = caret && caret.testid ? this.body.querySelector(`[data-testid="${caret.testid}"]`) : null;
    if (again) {
      again.focus();
      if (again.setSelectionRange && caret.start != null) again.setSelectionRange(caret.start, caret.end);
    }
  }

  draftButton(state) {
    const button = h(
      "button",
      {
        class: "btn btn-secondary",
        type: "button",
        testid: "minutes-draft",
        onclick: async () => {
          const current = this.minutes;
          if (current && !(await confirmDialog(t("minutes.redraft_confirm")))) return;
          const result = await this.ctx.act(button, () =>
            this.ctx.api.post(`${this.base(state)}/draft`, current ? { base_version: current.version } : {}),
          );
          if (result.ok) this.adopt(state, result.value);
        },
      },
      t("minutes.draft"),
    );
    return button;
  }

  downloadButton(state, format, label) {
    const button = h(
      "button",
      {
        class: "btn btn-ghost",
        type: "button",
        testid: `minutes-${format}`,
        onclick: () =>
          this.ctx.act(button, () =>
            this.ctx.api.download(
              `/api/meetings/${state.meeting.id}/minutes.${format}`,
              `bien-ban-${state.meeting.id}-v${this.minutes.version}.${format}`,
            ),
          ),
      },
      label,
    );
    return button;
  }

  adopt(state, minutes) {
    this.minutes = minutes;
    this.loadedFor = `${state.meeting.id}:${minutes.status}:${minutes.version}`;
    this.draw(state);
  }

  sectionView(state, section, _index, editable) {
    const lines = h("ol", { class: "minutes-lines" });
    const editor = { section, rows: [] };
    this.editors.push(editor);
    let made = 0;
    // a row is {line, text, item} (an editable line) or {conflict, item} (a merge conflict awaiting a choice)
    const lineRow = (line) => {
      const text = h("textarea", {
        rows: String(Math.min(6, Math.max(1, Math.ceil(line.text.length / 90)))),
        maxlength: "20000",
        readonly: !editable,
        testid: `minutes-line-${section.key}-${made}`,
      });
      made += 1;
      text.value = line.text;
      const row = { line, text };
      const chips = line.evidence.slice(0, MAX_EVIDENCE_CHIPS).map((evidence) => this.evidenceChip(state, evidence));
      const more =
        line.evidence.length > MAX_EVIDENCE_CHIPS
          ? h("span", { class: "muted small" }, ` +${line.evidence.length - MAX_EVIDENCE_CHIPS}`)
          : null;
      const remove = editable
        ? h(
            "button",
            {
              class: "btn btn-small btn-ghost",
              type: "button",
              title: t("minutes.remove_line"),
              "aria-label": t("minutes.remove_line"),
              onclick: () => {
                editor.rows = editor.rows.filter((r) => r !== row);
                row.item.remove();
              },
            },
            "✕",
          )
        : null;
      row.item = h(
        "li",
        { class: `minutes-line minutes-${line.style}` },
        text,
        h("div", { class: "minutes-evidence" }, ...chips, more, remove),
      );
      return row;
    };
    const choose = (row, chosen) => {
      const replacing = chosen.map(lineRow);
      row.item.replaceWith(...replacing.map((r) => r.item));
      editor.rows.splice(editor.rows.indexOf(row), 1, ...replacing);
    };
    const conflictRow = (conflict, number) => {
      const row = { conflict };
      const side = (label, chosen, testid, keep) =>
        h(
          "div",
          { class: "minutes-conflict-side" },
          h("strong", { class: "small" }, label),
          h("p", { class: "minutes-conflict-text", testid: `${testid}-text` }, chosen.map((l) => l.text).join("\n")),
          h(
            "button",
            { class: "btn btn-small btn-secondary", type: "button", testid, onclick: () => choose(row, chosen) },
            keep,
          ),
        );
      const id = `minutes-conflict-${section.key}-${number}`;
      row.item = h(
        "li",
        { class: "minutes-conflict", role: "group", testid: id },
        h("p", { class: "minutes-conflict-title small" }, t("minutes.conflict.title")),
        side(t("minutes.conflict.mine"), conflict.mine, `${id}-mine`, t("minutes.conflict.keep_mine")),
        side(
          t("minutes.conflict.theirs", { n: this.minutes.version }),
          conflict.theirs,
          `${id}-theirs`,
          t("minutes.conflict.keep_theirs"),
        ),
      );
      return row;
    };
    let conflicts = 0;
    for (const block of section.blocks || [{ lines: section.lines }]) {
      const rows = block.conflict ? [conflictRow(block.conflict, conflicts++)] : block.lines.map(lineRow);
      editor.rows.push(...rows);
      lines.append(...rows.map((row) => row.item));
    }
    const add = editable
      ? h(
          "button",
          {
            class: "btn btn-small btn-ghost",
            type: "button",
            testid: `minutes-add-${section.key}`,
            onclick: () => {
              const row = lineRow({ text: "", style: "paragraph", evidence: [] });
              editor.rows.push(row);
              lines.append(row.item);
            },
          },
          t("minutes.add_line"),
        )
      : null;
    const { blocks: _blocks, ...plain } = section;
    editor.section = plain;
    return h(
      "div",
      { class: "minutes-section", testid: `minutes-section-${section.key}` },
      section.heading ? h("h3", { class: "minutes-heading" }, section.heading) : null,
      lines,
      add,
    );
  }

  evidenceChip(state, evidence) {
    const kind = t(`minutes.evidence.${evidence.kind}`);
    const label = evidenceLabel(evidence);
    return h(
      "button",
      {
        class: "chip chip-evidence",
        type: "button",
        title: evidence.label ? `${kind}: ${evidence.label}` : kind,
        testid: `evidence-${evidence.kind}-${evidence.id}`,
        onclick: () => this.openEvidence(state, evidence),
      },
      label,
    );
  }

  /** Open what a line was drawn from: the document at its page, the transcript at its turn, or the record. */
  openEvidence(state, evidence) {
    if (evidence.kind === "document" && this.ctx.viewer) {
      this.ctx.viewer.open(evidence.id, { page: evidence.page || 1, source: "cite" });
      return;
    }
    if (evidence.kind === "transcript") {
      const turn = Math.max(0, (evidence.page || 1) - 1);
      openTranscript(this.ctx.api, state.meeting.id, evidence.id, turn, turn, { play: true });
      return;
    }
    const target = {
      poll: `[data-testid="console-poll-${evidence.id}"]`,
      task: `[data-testid="console-task-${evidence.id}"]`,
      conclusion: '[data-testid="console-conclusions"]',
      speech: '[data-testid="console-floor"]',
      opinion: '[data-testid="console-opinions"]',
      attendance: '[data-testid="participants"]',
      agenda_item: `[data-item-id="${evidence.id}"]`,
    }[evidence.kind];
    const element = target ? document.querySelector(target) : null;
    if (element) {
      element.scrollIntoView({ block: "center", behavior: "smooth" });
      element.classList.add("is-highlighted");
      setTimeout(() => element.classList.remove("is-highlighted"), 2000);
    }
    if (evidence.label) showToast(`${t(`minutes.evidence.${evidence.kind}`)}: ${evidence.label}`);
  }

  /** The page's content; a conflict not yet resolved counts as the page's own side of it. */
  collect() {
    const content = structuredClone(this.minutes.content);
    content.sections = this.editors.map(({ section, rows }) => ({
      ...section,
      lines: rows
        .flatMap((row) => (row.conflict ? row.conflict.mine : [{ ...row.line, text: row.text.value }]))
        .filter((line) => line.text.trim()),
    }));
    return content;
  }

  conflictsLeft() {
    return (this.editors || []).reduce((count, editor) => count + editor.rows.filter((row) => row.conflict).length, 0);
  }

  async save(state, button) {
    const left = this.conflictsLeft();
    if (left) {
      showToast(t("minutes.conflict.unresolved", { count: left }), "error");
      return;
    }
    const version = this.minutes.version;
    const result = await this.ctx.act(button, () =>
      this.ctx.api.request("PUT", this.base(state), { base_version: version, content: this.collect() }),
    );
    if (result.ok) {
      this.adopt(state, result.value);
      showToast(t("minutes.saved", { n: result.value.version }));
    } else if (result.error && result.error.status === 409) {
      this.mergeNewer(state);
    }
  }

  historyView(state) {
    const list = h("ol", { class: "minutes-history small", testid: "minutes-history" });
    const details = h(
      "details",
      {
        ontoggle: async () => {
          if (!details.open) return;
          try {
            const versions = await this.ctx.api.get(`${this.base(state)}/versions`);
            fill(
              list,
              ...versions.map((v) =>
                h(
                  "li",
                  { testid: `minutes-history-${v.number}` },
                  `${t("minutes.version", { n: v.number })} · ${t(`minutes.kind.${v.kind}`)} · ${v.created_by_name || ""} · ` +
                    `${formatDateTime(v.created_at)}${v.note ? ` · ${v.note}` : ""}`,
                ),
              ),
            );
          } catch (error) {
            showError(error);
          }
        },
      },
      h("summary", {}, t("minutes.history")),
      list,
    );
    return details;
  }
}

/** What a chip points to: "Điểm danh: Lê Hoàng Nam", "Tr. 3 Báo cáo …", the record's kind alone without a name. */
export function evidenceLabel(evidence) {
  const kind = t(`minutes.evidence.${evidence.kind}`);
  const name = shorten(evidence.label || "");
  if (evidence.kind === "document" && evidence.page) {
    return `${t("minutes.evidence.page", { n: evidence.page })} ${name}`.trim();
  }
  return name ? `${kind}: ${name}` : kind;
}

function shorten(text) {
  const plain = text.split(/\s+/).filter(Boolean).join(" ");
  return plain.length > CHIP_LABEL_CHARS ? `${plain.slice(0, CHIP_LABEL_CHARS - 1).trimEnd()} …` : plain;
}
