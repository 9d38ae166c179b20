"""Run a command in a subprocess and report its peak memory (for bounds on
big inputs): the child gets an address-space limit so that a runaway cannot
take the machine down, and its resource usage is read with ``os.wait4``."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

GB = 1 << 30


@dataclass(frozen=True)
class Finished:
    returncode: int
    stdout: str
    stderr: str
    peak_rss: int  # bytes


def run_measured(args: list[str], *, tmp: Path, timeout: float = 600, address_space: int = 8 * GB) -> Finished:
    """Run ``args`` (after ``python``) and return its exit, output and peak RSS.
    ``timeout`` only guards against a hang; it is not a time bound."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))

    out, err = tmp / "stdout.txt", tmp / "stderr.txt"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen([sys.executable, *args], stdout=stdout, stderr=stderr, preexec_fn=limit)
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            process.send_signal(signal.SIGKILL)
            pid, status, usage = os.wait4(process.pid, 0)
            raise AssertionError(f"{args} hung for {timeout} s and was killed")
        time.sleep(0.05)
    process.returncode = os.waitstatus_to_exitcode(status)
    return Finished(process.returncode, out.read_text(errors="replace"), err.read_text(errors="replace"),
                    usage.ru_maxrss * 1024)
