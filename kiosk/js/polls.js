// Attendance, quorum and voting on every screen: the tablet's poll card, the
// console's poll editor and quorum card, and the projector's results chart.

import "./room-i18n.js";
import { t } from "./i18n.js";
import { markVoted } from "./polls-state.js";
import { busy, fill, h } from "./ui.js";

const VOTING_ROLES = new Set(["chair", "secretary", "delegate"]);

/** The option's label in the interface language (the standard options are translated by key). */
export function optionLabel(option) {
  return option.key ? t(`poll.option.${option.key}`) : option.label;
}

/** "Present 3/5 voting members · quorum reached (3 needed)". */
export function quorumLine(attendance, { big = false } = {}) {
  if (!attendance) return null;
  const ok = attendance.quorum;
  return h(
    "p",
    {
      class: `quorum-line ${ok ? "is-quorate" : "is-short"}${big ? " is-big" : ""}`,
      testid: "quorum",
      "data-quorum": String(ok),
      "data-present": String(attendance.voting_present),
    },
    h(
      "span",
      { class: "quorum-count" },
      t("quorum.present", { present: attendance.voting_present, members: attendance.voting_members }),
    ),
    h(
      "span",
      { class: "quorum-state" },
      ok
        ? t("quorum.met", { needed: attendance.quorum_needed })
        : t("quorum.short", { needed: attendance.quorum_needed }),
    ),
  );
}

/** A secret poll while it is open: how many of the voting members present have voted, and no counts
 * (the server sends none until it closes: watching them move would tell who chose what). */
export function pollTurnout(poll, attendance, { big = false } = {}) {
  const of = attendance ? attendance.voting_present : null;
  const share = of ? Math.min(100, (100 * poll.voters) / of) : 0;
  return h(
    "div",
    {
      class: `poll-turnout${big ? " is-big" : ""}`,
      testid: `poll-turnout-${poll.id}`,
      "data-voters": String(poll.voters),
      "data-of": String(of ?? ""),
    },
    h(
      "p",
      { class: "poll-turnout-count", testid: `poll-voters-${poll.id}`, "data-voters": String(poll.voters) },
      of === null ? t("poll.voters", { count: poll.voters }) : t("poll.turnout", { count: poll.voters, of }),
    ),
    h("span", { class: "poll-bar-track" }, h("span", { class: "poll-bar-fill", style: `width:${share}%` })),
    h("p", { class: "muted" }, t("poll.sealed")),
  );
}

/** Horizontal bars, one per option, scaled to the number who voted (an open secret poll: its turnout). */
export function pollChart(poll, { big = false, attendance = null } = {}) {
  if (poll.secret && poll.status === "open") return pollTurnout(poll, attendance, { big });
  const total = Math.max(1, poll.voters);
  return h(
    "div",
    {
      class: `poll-chart${big ? " is-big" : ""}`,
      testid: `poll-chart-${poll.id}`,
      role: "img",
      "aria-label": poll.options.map((o) => `${optionLabel(o)}: ${o.votes}`).join(", "),
    },
    ...poll.options.map((option) => {
      const winner = poll.result && poll.result.winner_option_id === option.id;
      return h(
        "div",
        {
          class: `poll-bar-row${winner ? " is-winner" : ""}`,
          testid: `poll-bar-${option.id}`,
          "data-votes": String(option.votes),
          "data-key": option.key || "",
        },
        h("span", { class: "poll-bar-label" }, optionLabel(option)),
        h(
          "span",
          { class: "poll-bar-track" },
          h("span", {
            class: `poll-bar-fill poll-bar-${option.key || "custom"}`,
            style: `width:${(100 * option.votes) / total}%`,
          }),
        ),
        h("span", { class: "poll-bar-count" }, String(option.votes)),
      );
    }),
    h(
      "p",
      { class: "poll-voters muted", testid: `poll-voters-${poll.id}`, "data-voters": String(poll.voters) },
      t("poll.voters", { count: poll.voters }),
    ),
  );
}

export function resultLine(poll) {
  if (!poll.result) return null;
  const { passed, base, needed } = poll.result;
  return h(
    "p",
    {
      class: `poll-result ${passed ? "is-passed" : "is-failed"}`,
      testid: `poll-result-${poll.id}`,
      "data-passed": String(passed),
    },
    h("strong", {}, passed ? t("poll.passed") : t("poll.failed")),
    " ",
    h("span", { class: "muted" }, t(`poll.rule.${poll.majority_of}`, { needed, base })),
  );
}

/** The quorum rule as a sentence: "more than half of all voting members" for the usual 0.5. */
export function quorumWords(ratio) {
  const value = Number(ratio ?? 0.5);
  if (Math.abs(value - 0.5) < 1e-9) return t("quorum.words_half");
  return t("quorum.words_ratio", { percent: Math.round(value * 1000) / 10 });
}

function voterName(state, userId) {
  const person = (state.participants || []).find((p) => p.user_id === userId);
  return person ? person.full_name || person.username : `#${userId}`;
}

/** A named poll's ballots, option by option (null for a secret poll or before anyone voted). */
export function namedVotes(state, poll) {
  if (poll.secret || !(poll.ballots || []).length) return null;
  return h(
    "div",
    { class: "named-votes", testid: `named-votes-${poll.id}` },
    h("h4", { class: "sub-title" }, t("poll.named_votes")),
    h(
      "dl",
      {},
      ...poll.options.flatMap((option) => {
        const names = poll.ballots.filter((b) => b.option_id === option.id).map((b) => voterName(state, b.user_id));
        return [
          h("dt", {}, optionLabel(option)),
          h(
            "dd",
            { testid: `named-votes-${poll.id}-${option.id}` },
            names.length ? names.join(", ") : t("poll.named_nobody"),
          ),
        ];
      }),
    ),
  );
}

function pollBadges(poll) {
  return h(
    "p",
    { class: "poll-badges" },
    h(
      "span",
      { class: `chip poll-status-${poll.status}`, testid: `poll-status-${poll.id}` },
      t(`poll.status.${poll.status}`),
    ),
    h("span", { class: "chip" }, poll.secret ? t("poll.secret") : t("poll.named")),
    poll.allow_change ? h("span", { class: "chip" }, t("poll.changeable")) : null,
  );
}

/** The poll to show first: the newest open one, else the newest closed one. */
export function featuredPoll(state) {
  const polls = state.polls || [];
  const open = polls.filter((p) => p.status === "open");
  if (open.length) return open[open.length - 1];
  const closed = polls.filter((p) => p.status === "closed");
  return closed.length ? closed[closed.length - 1] : null;
}

/** The delegate's tablet: quorum, the poll under vote with big option buttons, "you voted", live counts. */
export class TabletPolls {
  constructor({ api, live }) {
    this.api = api;
    this.live = live;
    this.element = h("section", { class: "card polls-card", testid: "polls-card" });
  }

  build() {
    return this.element;
  }

  render(state) {
    if (!state) return;
    const poll = featuredPoll(state);
    const title = h("h2", { class: "card-title" }, t("poll.title"));
    if (!poll) {
      fill(this.element, title, quorumLine(state.attendance), h("p", { class: "muted" }, t("poll.none")));
      return;
    }
    fill(
      this.element,
      title,
      quorumLine(state.attendance),
      h(
        "div",
        { class: "poll-card", testid: `poll-${poll.id}`, "data-status": poll.status },
        h("h3", { class: "poll-title" }, poll.title),
        pollBadges(poll),
        poll.description ? h("p", { class: "muted" }, poll.description) : null,
        this.ballot(state, poll),
        pollChart(poll, { attendance: state.attendance }),
        resultLine(poll),
        namedVotes(state, poll),
      ),
    );
  }

  ballot(state, poll) {
    if (poll.status !== "open") return null;
    const mine = (state.participants || []).find((p) => p.user_id === state.me.user_id);
    if (!mine || !VOTING_ROLES.has(mine.role)) return h("p", { class: "muted" }, t("poll.not_voter"));
    const voted = poll.voted
      ? h(
          "p",
          { class: "poll-voted", testid: "poll-voted", "data-option": String(poll.my_option_id ?? "") },
          `✓ ${t("poll.you_voted")}`,
          poll.my_option_id != null
            ? ` — ${optionLabel(poll.options.find((o) => o.id === poll.my_option_id) || { label: "" })}`
            : "",
        )
      : null;
    if (mine.attendance !== "present") return h("p", { class: "notice" }, t("poll.check_in_first"));
    if (poll.voted && !poll.allow_change) return voted;
    const buttons = poll.options.map((option) => {
      const chosen = poll.my_option_id === option.id;
      const button = h(
        "button",
        {
          class: `btn btn-large btn-block vote-button vote-${option.key || "custom"}${chosen ? " is-chosen" : ""}`,
          type: "button",
          testid: `vote-option-${option.id}`,
          "data-key": option.key || "",
          "aria-pressed": String(chosen),
          onclick: () =>
            busy(button, async () => {
              const receipt = await this.api.post(`/api/polls/${poll.id}/ballot`, { option_id: option.id });
              if (this.live.state) {
                markVoted(this.live.state, receipt);
                this.render(this.live.state);
              }
            }),
        },
        optionLabel(option),
      );
      return button;
    });
    return h("div", { class: "vote-buttons", testid: "vote-buttons" }, voted, ...buttons);
  }
}

function field(label, control) {
  return h("label", { class: "field" }, h("span", { class: "field-label" }, label), control);
}

/** The console: quorum and its rule, the poll editor, and every poll with open/close and live results. */
export class ConsolePolls {
  /** @param ctx {api, live, act(button, action) -> Promise<{ok, value}>} */
  constructor(ctx) {
    this.ctx = ctx;
    this.quorum = h("div", { class: "quorum-box" });
    this.list = h("div", { class: "poll-list", testid: "poll-list" });
    this.form = this.buildForm();
    this.element = h(
      "section",
      { class: "card console-polls-card", testid: "console-polls" },
      h("h2", { class: "card-title" }, t("poll.console_title")),
      this.quorum,
      this.list,
      this.form,
    );
  }

  buildForm() {
    const title = h("input", { type: "text", maxlength: "500", required: true, testid: "poll-title" });
    const description = h("textarea", { rows: "2", maxlength: "5000", testid: "poll-description" });
    const kind = h(
      "select",
      { testid: "poll-kind" },
      h("option", { value: "yes_no_abstain" }, t("poll.kind.yes_no_abstain")),
      h("option", { value: "custom" }, t("poll.kind.custom")),
    );
    const options = h("textarea", { rows: "3", testid: "poll-options", placeholder: t("poll.options_hint") });
    const optionsField = field(t("poll.options_hint"), options);
    optionsField.hidden = true;
    kind.addEventListener("change", () => {
      optionsField.hidden = kind.value !== "custom";
    });
    const secret = h("input", { type: "checkbox", testid: "poll-secret" });
    const allow = h("input", { type: "checkbox", testid: "poll-allow-change" });
    // a secret ballot keeps no link from voter to choice, so it cannot be changed
    secret.addEventListener("change", () => {
      allow.disabled = secret.checked;
      if (secret.checked) allow.checked = false;
    });
    const majority = h(
      "select",
      { testid: "poll-majority" },
      h("option", { value: "" }, t("poll.rule_default")),
      h("option", { value: "all" }, t("poll.rule_all")),
      h("option", { value: "present" }, t("poll.rule_present")),
    );
    const submit = h("button", { class: "btn btn-primary", type: "submit", testid: "poll-create" }, t("poll.create"));
    const form = h(
      "form",
      { class: "poll-form", testid: "poll-form" },
      field(t("poll.field.title"), title),
      field(t("poll.field.description"), description),
      field(t("poll.field.kind"), kind),
      optionsField,
      h("label", { class: "check", testid: "poll-secret-label" }, secret, h("span", {}, t("poll.secret"))),
      h("label", { class: "check", testid: "poll-allow-change-label" }, allow, h("span", {}, t("poll.changeable"))),
      field(t("poll.field.rule"), majority),
      submit,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const state = this.ctx.live.state;
      const body = {
        title: title.value.trim(),
        description: description.value.trim(),
        kind: kind.value,
        secret: secret.checked,
        allow_change: allow.checked,
      };
      if (kind.value === "custom")
        body.options = options.value
          .split("\n")
          .map((s) => s.trim())
          .filter(Boolean);
      if (majority.value) body.majority_of = majority.value;
      if (state && state.current_item_id) body.agenda_item_id = state.current_item_id;
      const result = await this.ctx.act(submit, () =>
        this.ctx.api.post(`/api/meetings/${state.meeting.id}/polls`, body),
      );
      if (result.ok) {
        form.reset();
        optionsField.hidden = true;
        allow.disabled = false;
      }
    });
    return form;
  }

  render(state) {
    if (!state) return;
    const canManage = state.me.can_manage;
    this.form.hidden = !canManage || state.meeting.status === "closed";
    this.renderQuorum(state, canManage);
    const polls = [...(state.polls || [])].reverse();
    fill(
      this.list,
      polls.length
        ? polls.map((poll) => this.pollRow(state, poll, canManage))
        : h("p", { class: "muted" }, t("poll.none")),
    );
  }

  renderQuorum(state, canManage) {
    const a = state.attendance;
    const ratio = h("input", {
      type: "number",
      min: "0",
      max: "0.99",
      step: "0.01",
      testid: "quorum-ratio",
      value: String(state.meeting.quorum_ratio ?? 0.5),
      disabled: !canManage,
    });
    const save = h(
      "button",
      {
        class: "btn btn-small",
        type: "button",
        testid: "quorum-save",
        hidden: !canManage,
        onclick: () =>
          this.ctx.act(save, () =>
            this.ctx.api.patch(`/api/meetings/${state.meeting.id}`, { quorum_ratio: Number(ratio.value) }),
          ),
      },
      t("common.save"),
    );
    fill(
      this.quorum,
      quorumLine(a),
      a
        ? h(
            "p",
            { class: "muted attendance-counts", testid: "attendance-counts" },
            t("attendance.counts", {
              present: a.present,
              total: a.total,
              absent: a.absent,
              excused: a.excused,
              delegated: a.delegated,
            }),
          )
        : null,
      h("p", { class: "quorum-words", testid: "quorum-words" }, quorumWords(state.meeting.quorum_ratio)),
      h("div", { class: "quorum-rule" }, field(t("quorum.rule"), ratio), save),
    );
  }

  pollRow(state, poll, canManage) {
    const url = `/api/polls/${poll.id}`;
    const act = (label, testid, action, cls = "btn btn-small") => {
      const button = h(
        "button",
        { class: cls, type: "button", testid: `${testid}-${poll.id}`, onclick: () => this.ctx.act(button, action) },
        label,
      );
      return button;
    };
    const actions = !canManage
      ? []
      : poll.status === "draft"
        ? [
            act(t("poll.open"), "poll-open", () => this.ctx.api.post(`${url}/open`), "btn btn-primary btn-small"),
            act(t("common.delete"), "poll-delete", () => this.ctx.api.delete(url), "btn btn-small btn-danger"),
          ]
        : poll.status === "open"
          ? [act(t("poll.close"), "poll-close", () => this.ctx.api.post(`${url}/close`), "btn btn-primary btn-small")]
          : [];
    return h(
      "article",
      { class: `poll-row poll-row-${poll.status}`, testid: `console-poll-${poll.id}` },
      h("div", { class: "poll-row-head" }, h("h3", { class: "poll-title" }, poll.title), ...actions),
      pollBadges(poll),
      poll.status === "draft" ? null : pollChart(poll, { attendance: state.attendance }),
      resultLine(poll),
      namedVotes(state, poll),
    );
  }
}

/** The room screen's poll: the newest open or closed poll as a big bar chart (null when there is none). */
export function projectorPoll(state) {
  const poll = featuredPoll(state);
  if (!poll) return null;
  return h(
    "section",
    { class: "projector-poll", testid: "projector-poll", "data-poll-id": String(poll.id), "data-status": poll.status },
    h("p", { class: "projector-kicker" }, poll.status === "open" ? t("poll.voting_now") : t("poll.result_title")),
    h("h2", { class: "projector-poll-title" }, poll.title),
    pollChart(poll, { big: true, attendance: state.attendance }),
    resultLine(poll),
  );
}
