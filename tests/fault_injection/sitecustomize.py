"""Kills a process at the worst moment of a write, for tests of interrupted runs.

Put this folder on PYTHONPATH and set COLOURFR_KILL_BEFORE_COMMIT to a glob pattern
(fnmatch) of output paths. The first Python process about to commit an output that
matches (its temporary copy complete, the rename not yet done; the seam
``colourfr.io.atomic._before_commit``) is killed with SIGKILL:

- COLOURFR_KILL_SCOPE=run (default): the whole run, i.e. the process group of the
  session (the test starts Snakemake as a session leader), as a power cut or `kill -9`
  of Snakemake would;
- COLOURFR_KILL_SCOPE=job: this process only, as the out-of-memory killer or a cluster's
  time limit would kill one job.

Without the variable nothing is patched and nothing of colourfr is imported.
"""

from __future__ import annotations

import os

_PATTERN = os.environ.get("COLOURFR_KILL_BEFORE_COMMIT")

if _PATTERN:
    import fnmatch
    import signal
    from pathlib import Path

    import colourfr.io.atomic as _atomic

    def _kill_before_commit(destination: Path) -> None:
        if not fnmatch.fnmatch(str(destination), _PATTERN):
            return
        if os.environ.get("COLOURFR_KILL_SCOPE", "run") == "run":
            os.killpg(os.getsid(0), signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)

    _atomic._before_commit = _kill_before_commit
