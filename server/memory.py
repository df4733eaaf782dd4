"""What start-up built, taken out of the garbage collector's walks.

A reconnect storm (hundreds of tablets connecting at once, each with its socket, queues and snapshot), a
check-in burst and a ballot burst allocate fast enough to set off many collections of the older generations,
and each walks every object the process built at start (the app, the ORM's mappings, the embedding model:
over 300,000 of them), though none of them will ever be garbage. Measured with bench/votes.py (500
delegates, three runs each): 500 check-ins took 1.00-1.15 s and with these objects frozen 0.57-0.63 s; the
ballot burst 0.42-0.60 s and 0.14-0.34 s; the collector's own time while 500 tablets connected fell from
0.30 s to 0.12 s. Raising the young generation's threshold as well (700 to 20,000) gained nothing more
that the runs could tell apart, so the collector keeps its defaults.
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Move every object the collector tracks into the permanent generation (`gc.freeze`): it no longer walks
    them, and they live as long as the process anyway. No collection first: start-up leaves little garbage,
    and a collection here would run the finalisers of whatever an earlier app in the same process left
    behind (the tests), at a moment that has nothing to do with it."""
    gc.freeze()


def unsettle() -> None:
    """Give the frozen objects back to the collector (`gc.unfreeze`) when the app stops: a process that builds
    apps one after another (the tests) would otherwise keep every stopped app's cycles for good."""
    gc.unfreeze()
