"""Start a Python policy pack the way the Pulumi CLI does, and stop it.

The CLI runs ``python -u -m pulumi.policy <engine address> <pack dir>`` with the pack directory as
working directory and ``PULUMI_PROJECT``, ``PULUMI_STACK``, ``PULUMI_DRY_RUN``,
``PULUMI_ORGANIZATION`` and ``PULUMI_CONFIG`` (the stack config as JSON) in the environment
(``constructEnv`` in pulumi/pulumi ``pkg/resource/plugin/analyzer_plugin.go``). The pack prints
its gRPC port as its first stdout line and then serves until killed.

Two differences, both invisible to the pack:

* the stack config does not travel in the environment of ``execve``: Linux refuses any single
  environment string over 128 KiB (``MAX_ARG_STRLEN``; "Argument list too long"), so one large
  config value would stop the pack from starting. A few lines of bootstrap (``python -u -c``) read
  it from a pipe on stdin, put it in ``os.environ`` *inside* the pack process (no limit there),
  point stdin back at /dev/null and then run ``pulumi.policy`` as ``-m`` would. The config also
  reaches the pack over gRPC in ``ConfigureStack``, as with current CLIs;
* the bootstrap first arms ``lifetime.die_with_parent``: the pack never outlives the process
  that started it.

The engine address is only parsed, never dialled, by ``pulumi.policy``: the pack configures the
Pulumi runtime without an engine, so ``pulumi.log`` calls in policies go to the pack's stderr. We
pass an address nobody listens on and collect stderr (and any stray stdout) as the pack log.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Mapping, Optional

import yaml

from .errors import ConfigurationError, PolicyPackError
from .lifetime import DIE_WITH_PARENT_SOURCE, child_environment
from .project import read_utf8

UNUSED_ENGINE_ADDRESS = "127.0.0.1:1"
"""Passed where the CLI passes its engine address; pulumi.policy does not connect to it."""

ORGANIZATION = "organization"
"""What the engine passes when the backend has no organization (DIY backends)."""
START_TIMEOUT_SECONDS = 60.0
"""How long the pack may take to print its port."""
RPC_TIMEOUT_SECONDS = 120.0
"""Deadline of each analyzer RPC (AnalyzeStack of 10,000 resources takes a few seconds)."""


BOOTSTRAP = (
    DIE_WITH_PARENT_SOURCE
    + r"""
def _boot():
    import json, os, runpy, sys
    document = sys.stdin.buffer.read()
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    if document:
        parsed = json.loads(document.decode("utf-8"))
        os.environ["PULUMI_CONFIG"] = json.dumps(parsed["config"])
        if parsed.get("secretKeys"):
            os.environ["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(parsed["secretKeys"])
    runpy.run_module("pulumi.policy", run_name="__main__", alter_sys=True)
_boot()
"""
)
"""What ``python -u -c`` runs in place of ``-m pulumi.policy`` (see the module docstring)."""


class PolicyPackProcess:
    """A running policy pack subprocess. Use ``start`` then ``wait_for_port``; always ``close``."""

    def __init__(self, process: subprocess.Popen[bytes], pack_dir: Path) -> None:
        self.pack_dir = pack_dir
        self._process = process
        self._port: Optional[int] = None
        self._first_line: Optional[str] = None
        self._port_ready = threading.Event()
        self._log: list[str] = []
        self._log_lock = threading.Lock()
        assert process.stdout is not None and process.stderr is not None
        threading.Thread(target=self._read_stdout, args=(process.stdout,), daemon=True).start()
        threading.Thread(target=self._read_stderr, args=(process.stderr,), daemon=True).start()

    @classmethod
    def start(
        cls,
        pack_dir: Path,
        project: str,
        stack: str,
        config: Optional[Mapping[str, str]] = None,
        secret_keys: Optional[list[str]] = None,
    ) -> "PolicyPackProcess":
        """Check the pack directory and launch the pack (returns without waiting for it)."""
        pack_dir = pack_dir.resolve()
        check_pack_dir(pack_dir)
        env = child_environment(dict(os.environ))
        env.update(
            {
                "PULUMI_PROJECT": project,
                "PULUMI_STACK": stack,
                "PULUMI_DRY_RUN": "true",
                "PULUMI_ORGANIZATION": ORGANIZATION,
                # The pack reports unknown security properties as violations in the gate: what
                # the gate cannot know is never a pass (pulumi_aizone_policy.pack.OFFLINE_GATE_ENV).
                "AIZONE_OFFLINE_GATE": "1",
            }
        )
        env.pop("PULUMI_CONFIG", None)
        env.pop("PULUMI_CONFIG_SECRET_KEYS", None)
        payload = b""
        if config:
            document: dict[str, object] = {"config": dict(config)}
            if secret_keys:
                document["secretKeys"] = list(secret_keys)
            payload = json.dumps(document).encode("utf-8")
        command = [sys.executable, "-u", "-c", BOOTSTRAP, UNUSED_ENGINE_ADDRESS, str(pack_dir)]
        try:
            process = subprocess.Popen(
                command,
                cwd=str(pack_dir),
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except OSError as exc:
            raise PolicyPackError(f"could not start the policy pack in {pack_dir}: {exc}") from None
        threading.Thread(target=_feed, args=(process.stdin, payload), daemon=True).start()
        return cls(process, pack_dir)

    @property
    def pid(self) -> int:
        """The pack's process id."""
        return self._process.pid

    def wait_for_port(self, timeout: float = START_TIMEOUT_SECONDS) -> int:
        """The pack's gRPC port; raises PolicyPackError if it exits or stays silent for ``timeout``."""
        deadline = time.monotonic() + timeout
        while not self._port_ready.wait(0.05):
            if self._process.poll() is not None:
                self._port_ready.wait(0.5)
                break
            if time.monotonic() > deadline:
                raise PolicyPackError(f"policy pack in {self.pack_dir} did not report its port within {timeout:.0f} s" + self._log_tail())
        if self._port is None and self._first_line is not None:
            raise PolicyPackError(
                f"policy pack in {self.pack_dir} printed {self._first_line!r} where its port was expected "
                "(the Pulumi CLI fails the same way: nothing may print to stdout before the PolicyPack starts)" + self._log_tail()
            )
        if self._port is None:
            raise PolicyPackError(
                f"policy pack in {self.pack_dir} exited (code {self._process.poll()}) before it started" + self._log_tail()
            )
        return self._port

    @property
    def log(self) -> list[str]:
        """What the pack wrote on stderr, and on stdout after its port line."""
        with self._log_lock:
            return list(self._log)

    def is_running(self) -> bool:
        """True while the pack process is alive."""
        return self._process.poll() is None

    def close(self) -> None:
        """Kill the pack (it never exits on its own) and reap it."""
        if self._process.poll() is None:
            self._process.kill()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.terminate()

    def _read_stdout(self, stream: IO[bytes]) -> None:
        first = stream.readline().decode("utf-8", "replace").strip()
        if first.isdigit():
            self._port = int(first)
        elif first:
            self._first_line = first
            self._append(first)
        self._port_ready.set()
        self._drain(stream)

    def _read_stderr(self, stream: IO[bytes]) -> None:
        self._drain(stream)

    def _drain(self, stream: IO[bytes]) -> None:
        for raw in iter(stream.readline, b""):
            self._append(raw.decode("utf-8", "replace").rstrip("\n"))

    def _append(self, line: str) -> None:
        with self._log_lock:
            self._log.append(line)

    def _log_tail(self, lines: int = 30) -> str:
        tail = self.log[-lines:]
        return ("; its output:\n" + "\n".join(tail)) if tail else ""


def _feed(stream: Optional[IO[bytes]], payload: bytes) -> None:
    """Write the config document to the pack's stdin and close it (the pack reads to EOF)."""
    if stream is None:
        return
    # OSError: the pack died before reading; wait_for_port reports why.
    with contextlib.suppress(OSError):
        stream.write(payload)
    with contextlib.suppress(OSError):
        stream.close()


def check_pack_dir(pack_dir: Path) -> None:
    """The CLI refuses a directory without PulumiPolicy.yaml; we can only run Python packs."""
    if not pack_dir.is_dir():
        raise ConfigurationError(f"policy pack directory not found: {pack_dir}")
    manifest = pack_dir / "PulumiPolicy.yaml"
    if not manifest.is_file():
        raise ConfigurationError(f"no PulumiPolicy.yaml in {pack_dir}: not a policy pack")
    try:
        document = yaml.safe_load(read_utf8(manifest, "policy pack manifest")) or {}
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{manifest}: invalid YAML: {exc}") from None
    runtime = document.get("runtime") if isinstance(document, dict) else None
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise ConfigurationError(f"{manifest}: runtime is {runtime_name!r}; the offline preview runs Python packs only")
    if not (pack_dir / "__main__.py").is_file():
        raise ConfigurationError(f"no __main__.py in {pack_dir}: the Python policy pack has no entry point")
