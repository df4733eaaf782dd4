"""What the server builds at start is frozen out of the garbage collector's walks while it serves."""

from __future__ import annotations

import gc
from pathlib import Path

from litestar.testing import TestClient

from server.app import create_app
from server.settings import Settings


def test_the_objects_start_up_built_are_frozen_while_the_app_serves(tmp_path: Path) -> None:
    gc.unfreeze()
    with TestClient(app=create_app(Settings(data_dir=tmp_path, dense_search=False))) as client:
        assert client.get("/health").status_code == 200
        assert gc.get_freeze_count() > 10_000  # the app, its routes, the ORM's mappings
    # stopped, the app's objects can be collected again (tests build many apps in one process)
    assert gc.get_freeze_count() == 0
