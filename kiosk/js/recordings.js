// Recordings (bản ghi âm): the console's panel to upload a recording of the meeting or an item and follow its
// transcription (queued, transcribing, done, failed), live from `recording.changed` events.

import { MicCapture } from "./capture.js";
import { DICTIONARIES, t } from "./i18n.js";
import { fillUploadForm } from "./console-forms.js";
import { clock, openTranscript } from "./transcripts.js";
import { fill, h, showError } from "./ui.js";

Object.assign(DICTIONARIES.vi, {
  "recording.title": "Ghi âm và chuyển thành văn bản",
  "recording.none": "Chưa có bản ghi âm nào",
  "recording.file": "Tệp ghi âm (WAV, MP3, M4A, OGG, WebM)",
  "recording.item": "Gắn với mục",
  "recording.by_time": "Theo mục đang họp lúc nói",
  "recording.upload": "Tải bản ghi âm lên",
  "recording.status.capturing": "Đang ghi âm",
  "recording.status.queued": "Đang chờ",
  "recording.live_start": "Ghi âm trực tiếp",
  "recording.live_stop": "Dừng ghi âm",
  "recording.live_on": "Đang ghi âm phòng họp",
  "recording.status.transcribing": "Đang chuyển thành văn bản",
  "recording.status.done": "Đã xong",
  "recording.status.failed": "Lỗi",
  "recording.progress": "{done} / {total}",
  "recording.open": "Xem văn bản",
  "recording.audio_deleted": "Đã xoá âm thanh (hết hạn lưu)",
  "recording.english_only":
    "Lưu ý: mô hình nhận dạng giọng nói đi kèm (Whisper tiny.en) chỉ hiểu tiếng Anh, không hiểu tiếng Việt. " +
    "Để nhận dạng tiếng Việt, quản trị viên chuyển đổi một mô hình đa ngôn ngữ (whisper-small, large-v3 hoặc " +
    "PhoWhisper) bằng ct2-transformers-converter và đặt ICABINET_ASR_MODEL, hoặc đặt ICABINET_ASR_BASE_URL tới " +
    "máy chủ nhận dạng giọng nói của cơ quan (xem README).",
});
Object.assign(DICTIONARIES.en, {
  "recording.title": "Recordings to text",
  "recording.none": "No recording yet",
  "recording.file": "A recording (WAV, MP3, M4A, OGG, WebM)",
  "recording.item": "Attach to item",
  "recording.by_time": "By the item current when spoken",
  "recording.upload": "Upload recording",
  "recording.status.capturing": "Recording",
  "recording.status.queued": "Queued",
  "recording.live_start": "Record the room",
  "recording.live_stop": "Stop recording",
  "recording.live_on": "Recording the room",
  "recording.status.transcribing": "Transcribing",
  "recording.status.done": "Done",
  "recording.status.failed": "Failed",
  "recording.progress": "{done} / {total}",
  "recording.open": "Read the text",
  "recording.audio_deleted": "Audio deleted (retention)",
  "recording.english_only":
    "Note: the bundled speech model (Whisper tiny.en) understands English only, not Vietnamese. For Vietnamese, " +
    "an administrator converts a multilingual model (whisper-small, large-v3 or PhoWhisper) with " +
    "ct2-transformers-converter and sets ICABINET_ASR_MODEL, or sets ICABINET_ASR_BASE_URL to the " +
    "organisation's transcription server (see the README).",
});

/** The recordings by id, newest version of each: a list from the API, then `recording.changed` events. */
export function mergeRecording(recordings, recording) {
  const next = new Map(recordings);
  next.set(recording.id, recording);
  return next;
}

/** What a recording's status line says, as data: the status key and, while transcribing, how far it got. */
export function recordingProgress(recording) {
  if (recording.status === "transcribing" && recording.duration_ms) {
    return { key: "transcribing", done: clock(recording.progress_ms || 0), total: clock(recording.duration_ms) };
  }
  if (recording.status === "failed") return { key: "failed", error: recording.error || "" };
  return { key: recording.status };
}

/** "Đang chuyển thành văn bản · 00:01:30 / 00:05:00" and the like, for one recording. */
export function recordingStatusText(recording) {
  const progress = recordingProgress(recording);
  const status = t(`recording.status.${progress.key}`);
  if (progress.done !== undefined) return `${status} · ${t("recording.progress", progress)}`;
  return progress.error ? `${status}: ${progress.error}` : status;
}

export class ConsoleRecordings {
  /** The live capture's control: start, or a red dot and stop while the room is recorded. */
  drawLive(allowed) {
    this.live.hidden = !allowed && !this.capture;
    if (this.capture) {
      const stop = h(
        "button",
        { class: "btn btn-danger", type: "button", testid: "recording-live-stop", onclick: () => this.stopLive(stop) },
        t("recording.live_stop"),
      );
      fill(
        this.live,
        h("span", { class: "recording-dot", "aria-hidden": "true" }),
        h("span", { class: "recording-live-label", role: "status" }, t("recording.live_on")),
        stop,
      );
      return;
    }
    const start = h(
      "button",
      {
        class: "btn btn-secondary",
        type: "button",
        testid: "recording-live-start",
        onclick: () => this.startLive(start),
      },
      h("span", { class: "recording-dot", "aria-hidden": "true" }),
      t("recording.live_start"),
    );
    fill(this.live, start);
  }

  async startLive(button) {
    button.disabled = true;
    const capture = new MicCapture(this.ctx.api, this.meetingId);
    capture.onError = (error) => showError(error);
    try {
      const recording = await capture.start();
      this.capture = capture;
      this.recordings = mergeRecording(this.recordings, recording);
    } catch (error) {
      showError(error);
    } finally {
      button.disabled = false;
    }
    this.draw();
  }

  async stopLive(button) {
    button.disabled = true;
    try {
      const recording = await this.capture.stop();
      this.recordings = mergeRecording(this.recordings, recording);
    } catch (error) {
      showError(error);
    }
    this.capture = null;
    this.draw();
  }

  constructor(ctx) {
    this.ctx = ctx;
    this.meetingId = null;
    this.recordings = new Map();
    this.capture = null;
    this.live = h("div", { class: "recording-live", testid: "recording-live" });
    this.list = h("ul", { class: "recording-list", testid: "console-recordings-list" });
    this.form = h("form", { class: "transcript-form recording-form", testid: "recording-form" });
    this.element = h(
      "section",
      { class: "card console-recordings", testid: "console-recordings" },
      h("h2", { class: "card-title" }, t("recording.title")),
      h("p", { class: "notice recording-language", testid: "recording-english-only" }, t("recording.english_only")),
      this.live,
      this.list,
      this.form,
    );
    ctx.live.onChange((_state, event) => {
      if (event && event.name === "recording.changed" && event.data.recording) {
        this.recordings = mergeRecording(this.recordings, event.data.recording);
        this.draw();
      }
    });
  }

  async reload() {
    if (this.meetingId === null) return;
    try {
      const rows = await this.ctx.api.get(`/api/meetings/${this.meetingId}/recordings`);
      this.recordings = rows.reduce(mergeRecording, new Map());
    } catch {
      this.recordings = new Map(); // a guest reads no recording; the panel stays empty
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
    // the meeting's secretary, administrators and the room's recorder account record and upload; the chair
    // manages the meeting but not its recordings (the server says who: `me.can_record`)
    const corrects = state.me.can_manage && state.me.meeting_role !== "chair";
    const uploads = state.me.can_record ?? corrects;
    // the recorder follows its recordings' status; their words are for those who read transcripts
    const reads = state.me.meeting_role !== "guest";
    const titles = new Map((state.agenda || []).map((item) => [item.id, item.title]));
    const rows = [...this.recordings.values()].sort((a, b) => a.id - b.id);
    fill(
      this.list,
      ...(rows.length
        ? rows.map((recording) =>
            h(
              "li",
              {
                class: `recording-row is-${recording.status}`,
                testid: `console-recording-${recording.id}`,
                "data-status": recording.status,
              },
              h("span", { class: "recording-name" }, recording.filename),
              h(
                "span",
                { class: "recording-status", testid: `recording-status-${recording.id}`, role: "status" },
                recordingStatusText(recording),
              ),
              recording.agenda_item_id
                ? h("span", { class: "muted small" }, titles.get(recording.agenda_item_id) || "")
                : null,
              recording.audio_kept ? null : h("span", { class: "muted small" }, t("recording.audio_deleted")),
              reads && recording.transcript_id && recording.status !== "queued"
                ? h(
                    "button",
                    {
                      class: "btn btn-ghost btn-small",
                      type: "button",
                      testid: `recording-open-${recording.id}`,
                      onclick: () =>
                        openTranscript(this.ctx.api, state.meeting.id, recording.transcript_id, 0, 0, {
                          editable: corrects,
                        }),
                    },
                    t("recording.open"),
                  )
                : null,
            ),
          )
        : [h("li", { class: "muted empty" }, t("recording.none"))]),
    );
    this.drawLive(uploads && state.meeting.status !== "closed");
    this.form.hidden = !uploads;
    if (!uploads || this.form.contains(document.activeElement)) return;
    fillUploadForm(this.form, {
      api: this.ctx.api,
      act: this.ctx.act,
      agenda: state.agenda,
      path: `/api/meetings/${state.meeting.id}/recordings`,
      prefix: "recording",
      accept: "audio/*,.wav,.mp3,.m4a,.ogg,.oga,.opus,.webm,.flac",
      labels: {
        file: t("recording.file"),
        item: t("recording.item"),
        noItem: t("recording.by_time"),
        submit: t("recording.upload"),
      },
      onUploaded: (recording) => {
        this.recordings = mergeRecording(this.recordings, recording);
        this.reload();
      },
    });
  }
}
