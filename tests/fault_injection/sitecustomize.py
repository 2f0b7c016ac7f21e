"""Kills a process at the worst moment of a write, for tests of interrupted runs.

Put this folder on PYTHONPATH and set COLOURFR_KILL_BEFORE_COMMIT to glob patterns
(fnmatch, separated by ";") of output paths. A Python process about to commit a matching
output (its temporary copy complete, the rename not yet done; the seam
``colourfr.io.atomic._before_commit``) is killed with SIGKILL:

- the whole run (default): every process of the session (the test starts Snakemake as a
  session leader), as a power cut would;
- the job alone, for a pattern written ``job:<pattern>`` or with COLOURFR_KILL_SCOPE=job:
  this process only, as the out-of-memory killer or a cluster's time limit would.

With COLOURFR_KILL_STATE set to a folder, each pattern fires once across processes and
runs (a marker file per pattern, created exclusively): run the same command again and it
is killed at the next pattern's first commit, until none is left.

Without COLOURFR_KILL_BEFORE_COMMIT nothing is patched and nothing of colourfr is imported.
"""

from __future__ import annotations

import os

_PATTERNS = os.environ.get("COLOURFR_KILL_BEFORE_COMMIT")

if _PATTERNS:
    import fnmatch
    import hashlib
    import signal
    from pathlib import Path

    import colourfr.io.atomic as _atomic

    _STATE = os.environ.get("COLOURFR_KILL_STATE")

    def _fires(pattern: str) -> bool:
        """True once per pattern when there is a state folder, always without one."""
        if not _STATE:
            return True
        marker = Path(_STATE) / hashlib.sha256(pattern.encode()).hexdigest()[:16]
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return False
        os.write(fd, pattern.encode())
        os.close(fd)
        return True

    def _kill_session() -> None:
        session = os.getsid(0)
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) != os.getpid():
                try:
                    if os.getsid(int(entry)) == session:
                        os.kill(int(entry), signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass

    def _kill_before_commit(destination: Path) -> None:
        for entry in filter(None, _PATTERNS.split(";")):
            job_only = entry.startswith("job:")
            pattern = entry.removeprefix("job:")
            if fnmatch.fnmatch(str(destination), pattern) and _fires(entry):
                if not job_only and os.environ.get("COLOURFR_KILL_SCOPE", "run") == "run":
                    _kill_session()
                os.kill(os.getpid(), signal.SIGKILL)

    _atomic._before_commit = _kill_before_commit
