"""A real OpenID provider (npm's certified ``oidc-provider``, run with the machine's Node.js) on a free 127.0.0.1
port, with one client for i-Cabinet and a few people.

People (``preferred_username``: name, unit, groups); the provider's development login form takes any password:

- ``an.nguyen``: in ``icabinet-admins`` (mapped to admin by the tests; a Keycloak-style group path)
- ``binh.tran``: in ``icabinet-secretaries``
- ``chi.le``: in ``staff`` only (a group no setting maps)
- ``giang.vo``: in ``icabinet-chairs``
- ``hanh.do``: in ``icabinet-secretaries`` (the tests give a local account this name first)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import httpx

from tests.support.server import REPO, free_port, stop_process

SCRIPT = Path(__file__).with_name("oidc_provider.mjs")
PACKAGE = REPO / "node_modules" / "oidc-provider"
CLIENT_ID = "icabinet"

# preferred_username -> (name, unit, groups)
PEOPLE: dict[str, tuple[str, str, list[str]]] = {
    "an.nguyen": ("Nguyễn Văn An", "Văn phòng UBND", ["/icabinet-admins"]),
    "binh.tran": ("Trần Thị Bình", "Sở Nội vụ", ["icabinet-secretaries"]),
    "chi.le": ("Lê Minh Chi", "Sở Tài chính", ["staff"]),
    "giang.vo": ("Võ Hương Giang", "Văn phòng UBND", ["icabinet-chairs"]),
    "hanh.do": ("Đỗ Mỹ Hạnh", "Sở Tư pháp", ["icabinet-secretaries"]),
    "khoa.pham": ("Phạm Đăng Khoa", "Sở Xây dựng", ["staff"]),
}


def provider_available() -> bool:
    return shutil.which("node") is not None and PACKAGE.is_dir()


@dataclass(frozen=True)
class OpenIdProvider:
    """A running oidc-provider: its issuer and i-Cabinet's client there."""

    issuer: str
    client_secret: str

    def settings(self, **more: object) -> dict[str, object]:
        """The ``oidc_*`` settings (``Settings`` keyword arguments) that point a server at it."""
        return {
            "oidc_issuer": self.issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": self.client_secret,
            "oidc_display_name": "Keycloak Thành phố",
            "oidc_role_groups": {"icabinet-admins": "admin", "/icabinet-secretaries": "secretary"},
            **more,
        }

    def env(self, **more: object) -> dict[str, str]:
        """The same as ``ICABINET_*`` values (without the prefix), for a server process."""
        return {
            key: json.dumps(value) if isinstance(value, dict) else str(value)
            for key, value in self.settings(**more).items()
        }

    def sign_in(self, authorization_url: str, username: str) -> str:
        """Walk the provider's login form as ``username`` (the browser's part, over plain HTTP): the URL the
        provider sends the browser back to (i-Cabinet's callback, with ``code`` and ``state``)."""
        with httpx.Client(timeout=30) as browser:
            url = authorization_url
            for _ in range(20):
                if not url.startswith(self.issuer):
                    return url
                response = browser.get(url)
                if response.status_code in (302, 303):
                    url = urljoin(url, response.headers["location"])
                    continue
                form = re.search(r'action="([^"]+)"', response.text)
                assert response.status_code == 200 and form, response.text
                answer = browser.post(
                    urljoin(url, form.group(1)),
                    data={"prompt": "login", "login": username, "password": "any-password"},
                )
                assert answer.status_code in (302, 303), answer.text
                url = urljoin(url, answer.headers["location"])
        raise AssertionError(f"the provider never sent the browser back: {url}")


def _wait_for_discovery(issuer: str, process: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(600):  # up to a minute on a loaded machine
        if process.poll() is not None:
            raise RuntimeError(f"oidc-provider exited with {process.returncode}: {log.read_text()}")
        try:
            if httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"oidc-provider did not answer at {issuer}: {log.read_text()}")


@contextmanager
def running_provider(folder: Path, redirect_uris: list[str]) -> Iterator[OpenIdProvider]:
    """Start oidc-provider with i-Cabinet's client (``redirect_uris`` registered) and the people above; stop it."""
    if not provider_available():
        raise RuntimeError("Node.js or the oidc-provider package is missing (make node-deps)")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    secret = os.urandom(24).hex()
    accounts = {uid: {"name": name, "unit": unit, "groups": groups} for uid, (name, unit, groups) in PEOPLE.items()}
    env = {
        "PATH": os.environ.get("PATH", ""),
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": secret,
        "OIDC_ACCOUNTS": json.dumps(accounts),
    }
    log = folder / "oidc-provider.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["node", str(SCRIPT), str(port), ",".join(redirect_uris)],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    issuer = f"http://127.0.0.1:{port}"
    try:
        _wait_for_discovery(issuer, process, log)
        yield OpenIdProvider(issuer=issuer, client_secret=secret)
    finally:
        stop_process(process)
