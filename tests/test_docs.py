"""The documentation lists exactly what the code has."""

from __future__ import annotations

import re
from pathlib import Path

from server.events import REGISTRY
from server.settings import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_event_is_documented_and_every_documented_event_exists() -> None:
    text = (DOCS / "sync-protocol.md").read_text()
    table = text.split("## Events", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([a-z_.]+)` \|", table, flags=re.MULTILINE))
    assert documented == set(REGISTRY)


def test_every_setting_is_documented() -> None:
    text = (DOCS / "settings.md").read_text()
    documented = set(re.findall(r"`ICABINET_([A-Z0-9_]+)`", text))
    assert documented == {name.upper() for name in Settings.model_fields}
    for name, field in Settings.model_fields.items():
        assert field.description, f"setting {name} has no docstring"


def test_event_names_cannot_be_registered_twice() -> None:
    from dataclasses import dataclass
    from typing import ClassVar

    import pytest

    from server.events import Event

    with pytest.raises(ValueError, match="registered twice"):

        @dataclass(frozen=True)
        class Again(Event):
            name: ClassVar[str] = "agenda.current"
