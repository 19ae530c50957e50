"""How many sites a fleet run works on at once: what helps, and what the system allows."""

from __future__ import annotations

import os
import sys

__all__ = [
    "FILES_PER_WORKER",
    "MAX_JOBS",
    "THREADS_PER_PROCESS",
    "process_count",
    "worker_limit",
]

MAX_JOBS = 64
"""More workers than this only add contention: every site's checks in a process run
under one interpreter lock, so past the point where the workers keep it busy while
others wait on the network, each new worker slows the others (300 sites on a 50 ms
link, 2 cores, one process: --jobs 32 and 64 take the same time, 128 takes longer, 1000
is 2-3x slower than 16)."""

THREADS_PER_PROCESS = 16
"""The fewest workers a worker process gets (see :mod:`.processes`): with fewer, one
interpreter lock is not what a run waits for (1,000 sites at --jobs 16 run within 1.25x
of the network's own time in one process)."""

FILES_PER_WORKER = 6
"""Open files a worker may hold at once: the site's lock, a journal or card file being
written, its folder while fsynced, the HTTP(S) connection, and an SMB connection."""

FILES_RESERVED = 32  # the process's own: standard streams, modules, logs, CA store


def worker_limit() -> tuple[int, str]:
    """The most workers a run uses, and why: :data:`MAX_JOBS`, or fewer when the
    open-file limit (``ulimit -n``) leaves room for fewer.

    >>> limit, why = worker_limit()
    >>> 1 <= limit <= MAX_JOBS and bool(why)
    True
    """
    why = "more workers only add contention"
    try:
        import resource  # noqa: PLC0415  (POSIX only)

        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ImportError, OSError, ValueError):
        return MAX_JOBS, why
    if soft == resource.RLIM_INFINITY:
        return MAX_JOBS, why
    allowed = max(1, (soft - FILES_RESERVED) // FILES_PER_WORKER)
    if allowed >= MAX_JOBS:
        return MAX_JOBS, why
    return allowed, (
        f"the open-file limit (ulimit -n {soft}) leaves room for {allowed} workers of "
        f"{FILES_PER_WORKER} files each; raise it with ulimit -n for more"
    )


def process_count(jobs: int, sites: int, action: str = "stage") -> int:
    """How many processes share a run: one per core this process may use, as long as
    each gets :data:`THREADS_PER_PROCESS` workers and as many sites.  ``cert`` runs in
    one: a site costs it about 3 ms of CPU (one TLS handshake), and over 1,000 sites the
    workers' start (about 0.3 s of CPU each) cost more than they saved (3.5-3.7 s against
    3.0-3.3 s at --jobs 64 on 2 cores).

    >>> process_count(8, 1000), process_count(64, 10), process_count(64, 1000, "cert")
    (1, 1, 1)
    """
    if action == "cert" or os.name != "posix" or not sys.executable:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    share = THREADS_PER_PROCESS
    return max(1, min(cores or 1, jobs // share, sites // share))
