"""What a running server is doing, on demand: ``kill -USR1 <pid>`` writes the stack of every thread and of
every pending asyncio task to standard error (the server's log).

For a server that answers but whose background work (extraction, indexing, transcription) seems to stand
still: the dump shows where each piece of work waits. It reads nothing from a request and writes no data
of any meeting, only code locations.
"""

from __future__ import annotations

import asyncio
import faulthandler
import signal
import sys
import threading
from typing import TextIO


def dump_stacks(stream: TextIO | None = None) -> None:
    """Write every thread's stack (faulthandler) and every pending task's (asyncio) to ``stream``, a file
    with a descriptor (faulthandler writes to it directly)."""
    out = stream or sys.stderr
    out.write("--- i-Cabinet: threads ---\n")
    out.flush()
    faulthandler.dump_traceback(file=out, all_threads=True)
    tasks = [task for task in asyncio.all_tasks() if not task.done()]
    out.write(f"--- i-Cabinet: {len(tasks)} pending tasks ---\n")
    for task in sorted(tasks, key=lambda task: task.get_name()):
        task.print_stack(limit=12, file=out)
    out.write("--- i-Cabinet: end of stacks ---\n")
    out.flush()


def dump_on_signal() -> None:
    """From now on, SIGUSR1 makes the running event loop call ``dump_stacks``; nothing where signals cannot
    reach the loop (no SIGUSR1 on the platform, or the app runs in another thread than the main one: tests)."""
    if hasattr(signal, "SIGUSR1") and threading.current_thread() is threading.main_thread():
        asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, dump_stacks)
