"""Limits that depend on the machine, checked before a runtime sees them.

Threads: a runtime given far more threads than CPUs only slows down (llama.cpp's threads wait for each other
after every op; measured here: 2 threads on 2 busy cores ran at 2.6 pairs/s against 10.9 with 1), and an absurd
count crashes or hangs it: ``--threads 100000`` segfaulted llama.cpp and CTranslate2 and hung onnxruntime.
The accepted range is 0 (the runtime's own choice) or 1 to ``THREADS_PER_CPU`` × the CPUs this process may use,
which leaves room to experiment with oversubscription but not to exhaust the machine. Qt-free.
"""

from __future__ import annotations

import os

from app.core.errors import BadInputError

THREADS_PER_CPU = 4


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the OS has one), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def max_threads() -> int:
    return THREADS_PER_CPU * usable_cpus()


def check_threads(threads: object, where: str = "threads") -> int:
    """``threads`` when it is 0 or 1..:func:`max_threads`; a one-line :class:`BadInputError` otherwise."""
    limit = max_threads()
    if isinstance(threads, bool) or not isinstance(threads, int) or not 0 <= threads <= limit:
        raise BadInputError(f"{where} {threads!r} is not usable on this machine: choose 0 (the runtime's own "
                            f"choice) or 1 to {limit} ({THREADS_PER_CPU} × its {usable_cpus()} CPUs).")
    return threads
