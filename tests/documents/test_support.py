"""The shared-data helper skips locally and fails under CI when material is missing."""

from __future__ import annotations

import pytest

from tests.support.data import SHARED_DATA, shared_data


def test_missing_shared_data_skips_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="not found"):
        shared_data("no-such-folder/missing.pdf")


def test_missing_shared_data_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        shared_data("no-such-folder/missing.pdf")


def test_shared_data_sits_next_to_the_repository() -> None:
    assert SHARED_DATA.parts[-2:] == ("shared", "data")
