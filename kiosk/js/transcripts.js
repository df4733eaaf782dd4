// Transcripts (bản ghi lời phát biểu): the console's panel to attach, list and remove them, and the dialog
// that opens one at a cited turn (from the assistant's citations, on the tablet and the console).

import "./conduct-i18n.js"; // task statuses, in a record citation's label
import { DICTIONARIES, t } from "./i18n.js";
import { fillUploadForm } from "./console-forms.js";
import { turnPlayer } from "./transcript-audio.js";
import { turnControls } from "./transcript-edit.js";
import { confirmDialog, fill, h, showError } from "./ui.js";

Object.assign(DICTIONARIES.vi, {
  "transcript.title": "Bản ghi lời phát biểu",
  "transcript.none": "Chưa có bản ghi nào",
  "transcript.file": "Tệp .txt, .vtt hoặc .srt",
  "transcript.item": "Gắn với mục",
  "transcript.whole_meeting": "Cả cuộc họp",
  "transcript.upload": "Tải bản ghi lên",
  "transcript.turns": "{n} lượt phát biểu",
  "transcript.remove_confirm": "Xoá bản ghi {name}?",
  "transcript.close": "Đóng",
  "transcript.turn": "Lượt {n}",
  "transcript.cite": "{speaker} · {time}",
  "transcript.span_one": "Phiên âm: lượt {first}",
  "transcript.span": "Phiên âm: lượt {first}–{last}",
  "record.conclusion": "Kết luận",
  "record.task": "Nhiệm vụ",
  "record.poll": "Biểu quyết",
  "record.minutes": "Biên bản",
});
Object.assign(DICTIONARIES.en, {
  "transcript.title": "Transcripts",
  "transcript.none": "No transcript yet",
  "transcript.file": "A .txt, .vtt or .srt file",
  "transcript.item": "Attach to item",
  "transcript.whole_meeting": "The whole meeting",
  "transcript.upload": "Upload transcript",
  "transcript.turns": "{n} turns",
  "transcript.remove_confirm": "Remove the transcript {name}?",
  "transcript.close": "Close",
  "transcript.turn": "Turn {n}",
  "transcript.cite": "{speaker} · {time}",
  "transcript.span_one": "Transcript: turn {first}",
  "transcript.span": "Transcript: turns {first}–{last}",
  "record.conclusion": "Conclusion",
  "record.task": "Task",
  "record.poll": "Vote",
  "record.minutes": "Minutes",
});

/** hh:mm:ss of a time in ms ("" when unknown). */
export function clock(ms) {
  if (ms === null || ms === undefined) return "";
  const seconds = Math.floor(ms / 1000);
  const pad = (n) => String(n).padStart(2, "0");
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)}`;
}

/** The label of a record citation: the speaker and time of a transcript turn, or the record's kind. */
export function citationLabel(citation) {
  if (citation.kind === "transcript") {
    const time = [citation.start, citation.end].filter(Boolean).join("–") || t("transcript.turn", { n: citation.page });
    return t("transcript.cite", { speaker: citation.speaker || "", time });
  }
  // the minutes' passages are split by audience (minutes_internal, minutes_document, ...): all are "Biên bản"
  const kind = t(`record.${citation.kind.startsWith("minutes") ? "minutes" : citation.kind}`);
  return citation.status ? `${kind} · ${t(`task.status.${citation.status}`)}` : kind;
}

/**
 * The span of turns a transcript citation stands for: 0-based `first` and `last` (inclusive), its speakers and
 * times. A citation names its span with `turn`, `turn_last`, `speakers`, `start` and `end`; one of a single
 * turn may give only `turn` (or its 1-based `page`) and `speaker`.
 */
export function transcriptSpan(citation) {
  const first = Number.isInteger(citation.turn) ? citation.turn : Math.max(0, (citation.page || 1) - 1);
  const last = Number.isInteger(citation.turn_last) && citation.turn_last >= first ? citation.turn_last : first;
  const speakers = Array.isArray(citation.speakers)
    ? citation.speakers.filter(Boolean)
    : citation.speaker
      ? [citation.speaker]
      : [];
  return { first, last, speakers, start: citation.start || "", end: citation.end || "" };
}

/** "Phiên âm: lượt 12–15 · Ông A, Bà B · 00:03:10–00:04:02" (turns counted from 1, as the transcript shows them). */
export function transcriptSpanLabel(citation) {
  const span = transcriptSpan(citation);
  const turns =
    span.last > span.first
      ? t("transcript.span", { first: span.first + 1, last: span.last + 1 })
      : t("transcript.span_one", { first: span.first + 1 });
  const times = [span.start, span.end].filter(Boolean);
  const time = times.length === 2 && times[0] === times[1] ? times[0] : times.join("–");
  return [turns, span.speakers.join(", "), time].filter(Boolean).join(" · ");
}

/**
 * Open a transcript, read-only, in a dialog: every turn with its number, speaker and time, scrolled to the
 * turns `position` to `last` (0-based, inclusive), which are marked. The API checks that the reader may see it.
 */
/** The transcript in a dialog at turns `position`..`last`; `editable` (the secretary's console) adds each
 * turn's correction controls. */
export async function openTranscript(
  api,
  meetingId,
  transcriptId,
  position,
  last = position,
  { editable = false } = {},
) {
  let transcript;
  try {
    transcript = await api.get(`/api/meetings/${meetingId}/transcripts/${transcriptId}`);
  } catch (error) {
    showError(error);
    return;
  }
  const cited = (turn) => turn.position >= position && turn.position <= last;
  const base = `/api/meetings/${meetingId}/transcripts/${transcriptId}`;
  const shown = new Map();
  const players = new Map();
  const player = (turn) => {
    if (!transcript.audio || turn.start_ms === null || turn.start_ms === undefined) return null;
    if (!players.has(turn.id)) players.set(turn.id, turnPlayer(api, `${base}/turns/${turn.id}/audio`, turn.position));
    return players.get(turn.id);
  };
  const words = (turn) => {
    if (!shown.has(turn.id)) shown.set(turn.id, h("span", { class: "transcript-text" }, turn.text));
    return shown.get(turn.id);
  };
  const dialog = h("dialog", {
    class: "dialog transcript-dialog",
    testid: "transcript-dialog",
    "data-first": String(position),
    "data-last": String(last),
    "aria-labelledby": "transcript-dialog-title",
  });
  const rows = transcript.turns.map((turn) =>
    h(
      "li",
      {
        class: `transcript-turn${cited(turn) ? " is-cited" : ""}`,
        testid: `transcript-turn-${turn.position}`,
        "data-cited": cited(turn) ? "true" : "false",
        "aria-current": turn.position === position ? "true" : null,
      },
      h("span", { class: "transcript-turn-number" }, String(turn.position + 1)),
      h(
        "span",
        { class: "transcript-turn-body" },
        h(
          "span",
          { class: "transcript-turn-head" },
          h("strong", { class: "transcript-speaker" }, turn.speaker),
          turn.start_ms !== null && turn.start_ms !== undefined
            ? h("span", { class: "transcript-time" }, clock(turn.start_ms))
            : null,
        ),
        words(turn),
        player(turn)?.element,
        ...(editable ? turnControls(api, `${base}/turns/${turn.id}`, turn, words(turn)) : []),
      ),
    ),
  );
  const close = () => {
    for (const each of players.values()) each.release();
    dialog.close();
    dialog.remove();
  };
  const span = { turn: position, turn_last: last };
  dialog.append(
    h("h2", { id: "transcript-dialog-title", class: "transcript-dialog-title" }, transcript.filename),
    h("p", { class: "transcript-dialog-span", testid: "transcript-span" }, transcriptSpanLabel(span)),
    h("ol", { class: "transcript-turns", testid: "transcript-turns", tabindex: "0" }, ...rows),
    h(
      "div",
      { class: "dialog-actions" },
      h(
        "button",
        { class: "btn btn-primary", type: "button", testid: "transcript-close", onclick: close },
        t("transcript.close"),
      ),
    ),
  );
  dialog.addEventListener("cancel", close);
  document.body.append(dialog);
  dialog.showModal();
  const first = dialog.querySelector(".is-cited");
  if (first) first.scrollIntoView({ block: "start" });
  const citedTurn = transcript.turns.find((turn) => turn.position === position);
  if (play && citedTurn) player(citedTurn)?.start();
}

/** The console's panel: upload (to the meeting or an item), list, open and remove transcripts. */
export class ConsoleTranscripts {
  constructor(ctx) {
    this.ctx = ctx;
    this.items = null;
    this.meetingId = null;
    this.list = h("ul", { class: "transcript-list", testid: "console-transcripts-list" });
    this.form = h("form", { class: "transcript-form", testid: "transcript-form" });
    this.element = h(
      "section",
      { class: "card console-transcripts", testid: "console-transcripts" },
      h("h2", { class: "card-title" }, t("transcript.title")),
      this.list,
      this.form,
    );
  }

  async reload() {
    if (this.meetingId === null) return;
    try {
      this.items = await this.ctx.api.get(`/api/meetings/${this.meetingId}/transcripts`);
    } catch (error) {
      this.items = [];
      if (error.status !== 403) showError(error);
    }
    this.draw();
  }

  render(state) {
    if (!state) return;
    this.state = state;
    if (this.meetingId !== state.meeting.id) {
      this.meetingId = state.meeting.id;
      this.reload();
    }
    this.draw();
  }

  draw() {
    const state = this.state;
    if (!state) return;
    const manage = state.me.can_manage;
    const base = `/api/meetings/${state.meeting.id}/transcripts`;
    const titles = new Map((state.agenda || []).map((item) => [item.id, item.title]));
    fill(
      this.list,
      ...(this.items && this.items.length
        ? this.items.map((item) =>
            h(
              "li",
              {
                class: "transcript-row",
                testid: `console-transcript-${item.id}`,
              },
              h(
                "button",
                {
                  class: "btn btn-ghost",
                  type: "button",
                  testid: `transcript-open-${item.id}`,
                  onclick: () =>
                    openTranscript(this.ctx.api, state.meeting.id, item.id, 0, 0, {
                      editable: manage && state.me.meeting_role !== "chair",
                    }),
                },
                item.filename,
              ),
              h(
                "span",
                { class: "muted small" },
                ` ${t("transcript.turns", { n: item.turn_count })}`,
                item.agenda_item_id ? ` · ${titles.get(item.agenda_item_id) || ""}` : "",
              ),
              manage
                ? (() => {
                    const remove = h(
                      "button",
                      {
                        class: "btn btn-small btn-danger",
                        type: "button",
                        testid: `transcript-delete-${item.id}`,
                        onclick: async () => {
                          if (
                            !(await confirmDialog(t("transcript.remove_confirm", { name: item.filename }), {
                              danger: true,
                            }))
                          )
                            return;
                          const result = await this.ctx.act(remove, () => this.ctx.api.delete(`${base}/${item.id}`));
                          if (result && result.ok) this.reload();
                        },
                      },
                      t("common.delete"),
                    );
                    return remove;
                  })()
                : null,
            ),
          )
        : [h("li", { class: "muted empty" }, t("transcript.none"))]),
    );
    this.form.hidden = !manage;
    if (!manage || this.form.contains(document.activeElement)) return;
    fillUploadForm(this.form, {
      api: this.ctx.api,
      act: this.ctx.act,
      agenda: state.agenda,
      path: base,
      prefix: "transcript",
      accept: ".txt,.vtt,.srt,text/plain,text/vtt",
      labels: {
        file: t("transcript.file"),
        item: t("transcript.item"),
        noItem: t("transcript.whole_meeting"),
        submit: t("transcript.upload"),
      },
      onUploaded: () => this.reload(),
    });
  }
}
