"""What the server writes stays its own: private file modes, and no access-log line for a ballot.

Files: the process's umask becomes 0o077 before anything is written, so every file it creates under the data
directory (database, its ``-wal``/``-shm``, keys, documents, page images, the search index) is 0600 and every
directory 0700, whatever umask the service manager started it with. The data directory and what lies directly
in it lose any group and other access at start, which closes what an older version left readable; the owner's
own bits are kept, so a directory made read-only on purpose stays so (and the server says it cannot write).

Access log: uvicorn logs each request with the client's address and port, in arrival order. For a ballot
that line says who voted when; a secret poll must leave no such trail (docs/secret-ballots.md), so
``POST /api/polls/{id}/ballot`` is not logged at all.
"""

from __future__ import annotations

import logging
import os
import re
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
BALLOT_PATH = re.compile(r"/api/polls/\d+/ballot/?(?:\?.*)?")


def keep_private(data_dir: Path) -> None:
    """Make what this process writes from now on its user's only, and the data directory with it."""
    os.umask(PRIVATE_UMASK)
    data_dir.mkdir(parents=True, exist_ok=True)
    _owner_only(data_dir)  # takes access away from others, never gives the owner write it was refused
    for entry in data_dir.iterdir():
        # one level is enough: the directory's 0700 already bars everyone else from what lies deeper
        if not entry.is_symlink():
            _owner_only(entry)


def _owner_only(path: Path) -> None:
    try:
        current = stat.S_IMODE(path.stat().st_mode)
        if current & 0o077:
            path.chmod(current & 0o700)
    except FileNotFoundError:  # a temporary file another process just renamed
        pass


class NoBallotAccessLog(logging.Filter):
    """Drops uvicorn's access-log record of a ballot (its args: client, method, path, version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            return BALLOT_PATH.fullmatch(args[2]) is None
        return True


def quiet_ballots(logger_name: str = "uvicorn.access") -> None:
    """Install the filter once on the access logger (create_app runs once per process, tests many times)."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(existing, NoBallotAccessLog) for existing in logger.filters):
        logger.addFilter(NoBallotAccessLog())
