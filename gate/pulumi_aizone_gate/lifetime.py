"""Child processes never outlive the preview.

Three mechanisms, because no single one covers every way a preview ends:

* ``die_with_parent`` (run inside the child, first thing): on Linux ``prctl(PR_SET_PDEATHSIG,
  SIGKILL)`` makes the kernel kill the child when the process that started it dies, even by
  SIGKILL; everywhere, a daemon thread also polls ``getppid()`` and exits when the parent is gone
  (the fallback where prctl is missing). The expected parent pid is checked after arming, so a
  parent that died in between is noticed too. The Linux signal is tied to the *thread* that forked
  the child: start children from a thread that lives as long as they should (the main thread).
* process groups: the supervisor starts the worker in a new session, the worker's policy pack
  inherits it, and one ``killpg`` ends both (timeouts, SIGTERM, Ctrl-C);
* explicit ``close``: every normal path kills and reaps what it started.
"""

from __future__ import annotations

import os

PARENT_PID_ENV = "OFFLINE_PREVIEW_PARENT_PID"
"""Set by the parent to its own pid in the child's environment."""

# Source text, so that the policy pack's bootstrap (which must not import this package: the pack
# runs with its own directory as working directory and sys.path[0]) runs exactly the same code.
# prctl option 1 is PR_SET_PDEATHSIG (linux/prctl.h); exit code 70 is EX_SOFTWARE.
DIE_WITH_PARENT_SOURCE = r"""
import ctypes as _c, os as _o, signal as _s, sys as _y, threading as _t, time as _m
def _die_with_parent():
    expected = int(_o.environ.pop("OFFLINE_PREVIEW_PARENT_PID", "0") or 0)
    if _y.platform.startswith("linux"):
        try:
            _c.CDLL(None, use_errno=True).prctl(1, int(_s.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):
            pass  # no prctl here: the polling thread below notices a dead parent
    if expected and _o.getppid() != expected:
        _o._exit(70)
    def _watch():
        while True:
            _m.sleep(0.5)
            if expected and _o.getppid() != expected:
                _o._exit(70)
    if expected:
        _t.Thread(target=_watch, name="offline-preview-parent-watch", daemon=True).start()
_die_with_parent()
"""


def die_with_parent() -> None:
    """Arm parent-death handling in this (child) process; see the module docstring."""
    exec(compile(DIE_WITH_PARENT_SOURCE, "<pulumi_aizone_gate.lifetime>", "exec"), {})  # noqa: S102 (our own constant)


def child_environment(base: dict[str, str]) -> dict[str, str]:
    """``base`` plus the variable that tells the child who its parent is."""
    env = dict(base)
    env[PARENT_PID_ENV] = str(os.getpid())
    return env
