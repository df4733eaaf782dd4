"""Password hashing with argon2id (argon2-cffi's tuned defaults), and the rules for new passwords.

A hash takes tens of milliseconds of CPU: run on the event loop, a flood of logins would stall
every tablet. The async functions run it in a worker thread, at most ``hash_threads`` at once,
so the loop stays free and a flood queues for the threads instead of for the loop.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

import anyio.to_thread
from anyio import CapacityLimiter
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# verifying against this keeps unknown usernames as slow as wrong passwords
_DUMMY_HASH = _hasher.hash("not a password")

MIN_LENGTH = 10
# 20,000 passwords most often found in breaches (lower case), as Django ships them (django/contrib/auth)
COMMON_PASSWORDS = Path(__file__).parent / "common-passwords.txt.gz"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


class Hashing:
    """Hash and verify in worker threads, ``threads`` at a time."""

    def __init__(self, threads: int) -> None:
        self.limiter = CapacityLimiter(threads)

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(hash_password, password, limiter=self.limiter)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        return await anyio.to_thread.run_sync(verify_password, password_hash, password, limiter=self.limiter)


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def password_problem(password: str, username: str) -> tuple[str, str] | None:
    """Why ``password`` may not be a new password for ``username`` (English, Vietnamese), or None."""
    if len(password) < MIN_LENGTH:
        return (
            f"The password must have at least {MIN_LENGTH} characters",
            f"Mật khẩu phải có ít nhất {MIN_LENGTH} ký tự",
        )
    if password.casefold() == username.casefold():
        return "The password must not be the username", "Mật khẩu không được trùng tên đăng nhập"
    if password.casefold() in common_passwords():
        return (
            "This password is on the list of common passwords; choose another",
            "Mật khẩu này nằm trong danh sách mật khẩu phổ biến; hãy chọn mật khẩu khác",
        )
    return None
