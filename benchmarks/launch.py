"""Run a command and report its wall time and peak memory, measured from a small parent.

    python -S benchmarks/launch.py REPORT.json PROGRAM ARG...

Linux carries a parent's memory high-water mark into a forked child and through exec, so a big
benchmark process cannot measure its children's peak memory itself. This launcher is small; the
child it forks starts from its few megabytes and ``wait4`` then reports the child's own peak.
"""

import json
import os
import sys
import time


def main() -> int:
    report, argv = sys.argv[1], sys.argv[2:]
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - started
    with open(report, "w") as fh:
        json.dump(
            {
                "seconds": seconds,
                "max_rss_kb": usage.ru_maxrss,
                "returncode": os.waitstatus_to_exitcode(status),
            },
            fh,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
