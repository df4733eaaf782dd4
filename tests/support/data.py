"""The shared test material of ../shared/data (see its README): optional on a fresh clone, required in CI."""

from __future__ import annotations

from pathlib import Path

from tests.support.services import require

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


def shared_data(relative: str) -> Path:
    """The path of `relative` under ../shared/data next to the repository.

    When it is missing the calling test is skipped with the reason, except under CI=true, where it fails:
    CI must run every test.
    """
    path = SHARED_DATA / relative
    if not path.exists():
        require(f"shared test data {relative!r} not found at {path} (the ../shared/data folder is optional locally)")
    return path
