"""The floor, opinions, notes, conclusions and tasks of a Python tablet's state (docs/sync-protocol.md)."""

from __future__ import annotations

from typing import Any


def _by_position(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(requests, key=lambda r: (r["position"], r["id"]))


def apply_conduct_event(state: dict[str, Any], name: str, data: dict[str, Any]) -> None:
    """Apply one event to the parts of ``state`` this issue added; other events are left alone."""
    if "floor" not in state:
        return
    floor, opinions = state["floor"], state["opinions"]
    if name == "speaker.requested":
        floor["queue"] = _by_position([*floor["queue"], data["request"]])
    elif name in ("speaker.withdrawn", "speaker.removed"):
        floor["queue"] = [r for r in floor["queue"] if r["id"] != data["request_id"]]
    elif name == "speaker.lapsed":
        floor["queue"] = [r for r in floor["queue"] if r["id"] not in data["request_ids"]]
    elif name == "speaker.started":
        floor["queue"] = [r for r in floor["queue"] if r["id"] != data["request"]["id"]]
        floor["speaking"] = data["request"]
    elif name == "speaker.ended":
        if floor["speaking"] and floor["speaking"]["id"] == data["request_id"]:
            floor["speaking"] = None
    elif name == "speaker.reordered":
        order = {request_id: index for index, request_id in enumerate(data["request_ids"])}
        for request in floor["queue"]:
            request["position"] = order.get(request["id"], request["position"])
        floor["queue"] = _by_position(floor["queue"])
    elif name == "opinion.requested":
        others = [r for r in opinions["requests"] if r["id"] != data["request"]["id"]]
        opinions["requests"] = sorted([*others, data["request"]], key=lambda r: r["id"])
    elif name == "opinion.added":
        others = [c for c in opinions["counts"] if c["target"] != data["target"]]
        counts = {key: data[key] for key in ("target", "document_id", "agenda_item_id")} | data["counts"]
        opinions["counts"] = sorted([*others, counts], key=lambda c: c["target"])
    elif name == "note.changed":
        others = [n for n in state["my_notes"] if n["document_id"] != data["document_id"]]
        if data["count"]:
            others.append({"document_id": data["document_id"], "count": data["count"]})
        state["my_notes"] = sorted(others, key=lambda n: n["document_id"])
    elif name == "conclusion.set":
        others = [c for c in state["conclusions"] if c["agenda_item_id"] != data["agenda_item_id"]]
        if data["conclusion"] is not None:
            others.append(data["conclusion"])
        state["conclusions"] = sorted(others, key=lambda c: c["agenda_item_id"])
    elif name in ("task.created", "task.updated"):
        others = [t for t in state["tasks"] if t["id"] != data["task"]["id"]]
        state["tasks"] = sorted([*others, data["task"]], key=lambda t: t["id"])
    elif name == "task.deleted":
        state["tasks"] = [t for t in state["tasks"] if t["id"] != data["task_id"]]
    elif name == "agenda.changed" and data["action"] == "removed":
        _forget_items(state, set(data["item_ids"]))
    elif name == "document.removed":
        gone = data["document_id"]
        opinions["requests"] = [r for r in opinions["requests"] if r["document_id"] != gone]
        opinions["counts"] = [c for c in opinions["counts"] if c["document_id"] != gone]
        state["my_notes"] = [n for n in state["my_notes"] if n["document_id"] != gone]


def _forget_items(state: dict[str, Any], removed: set[int]) -> None:
    floor, opinions = state["floor"], state["opinions"]
    for request in [*floor["queue"], *([floor["speaking"]] if floor["speaking"] else [])]:
        if request["agenda_item_id"] in removed:
            request["agenda_item_id"] = None
    for task in state["tasks"]:
        if task["agenda_item_id"] in removed:
            task["agenda_item_id"] = None
    state["conclusions"] = [c for c in state["conclusions"] if c["agenda_item_id"] not in removed]
    opinions["requests"] = [r for r in opinions["requests"] if r["agenda_item_id"] not in removed]
    opinions["counts"] = [c for c in opinions["counts"] if c["agenda_item_id"] not in removed]
