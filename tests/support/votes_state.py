"""Attendance and polls in a Python tablet's state, as docs/sync-protocol.md says a client applies them."""

from __future__ import annotations

from typing import Any

PER_USER = ("my_option_id", "voted")


def apply_votes_event(state: dict[str, Any], name: str, data: dict[str, Any]) -> None:
    me = state.get("me", {}).get("user_id")
    polls: list[dict[str, Any]] = state.setdefault("polls", [])
    by_id = {poll["id"]: poll for poll in polls}
    if name == "attendance.changed":
        state["attendance"] = data["attendance"]
    elif name in ("poll.created", "poll.updated", "poll.opened", "poll.closed"):
        poll = dict(data["poll"])
        previous = by_id.get(poll["id"], {})
        mine = next((b["option_id"] for b in poll["ballots"] if b["user_id"] == me), None)
        poll["my_option_id"] = mine if mine is not None else previous.get("my_option_id")
        poll["voted"] = previous.get("voted", False) or mine is not None
        by_id[poll["id"]] = poll
    elif name == "poll.deleted":
        by_id.pop(data["poll_id"], None)
    elif name == "poll.voted" and data["poll_id"] in by_id:
        poll = by_id[data["poll_id"]]
        for option in poll["options"]:
            option["votes"] = data["counts"].get(str(option["id"]), option["votes"])
        poll["voters"] = data["voters"]
        ballots = {ballot["user_id"]: ballot for ballot in poll["ballots"]}
        for ballot in data["ballots"]:
            ballots[ballot["user_id"]] = ballot
            if ballot["user_id"] == me:
                poll["my_option_id"], poll["voted"] = ballot["option_id"], True
        poll["ballots"] = [ballots[user_id] for user_id in sorted(ballots)]
    elif name == "agenda.changed" and data["action"] == "removed":
        for poll in by_id.values():
            if poll["agenda_item_id"] in data["item_ids"]:
                poll["agenda_item_id"] = None
    state["polls"] = [by_id[poll_id] for poll_id in sorted(by_id)]
