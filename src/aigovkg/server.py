"""Serve the graph through the real Oxigraph server (the PyPI package
``oxigraph``), read-only, on 127.0.0.1 by default."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from aigovkg.errors import AigovkgError, UsageError
from aigovkg.export import dump
from aigovkg.loader import LoadedGraph


def oxigraph_binary() -> str:
    """The ``oxigraph`` command installed with the ``oxigraph`` package."""
    beside = Path(sys.executable).with_name("oxigraph")
    if beside.exists():
        return str(beside)
    found = shutil.which("oxigraph")
    if not found:
        raise AigovkgError("the Oxigraph server is not installed: pip install 'aigovkg[server]'")
    return found


def wait_for_port(host: str, port: int, *, timeout: float = 30.0, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AigovkgError(f"the Oxigraph server stopped at start (exit {process.returncode})")
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex((host, port)) == 0:
                return
        time.sleep(0.1)
    raise AigovkgError(f"the Oxigraph server did not open {host}:{port} within {timeout:.0f} s")


def prepare_store(loaded: LoadedGraph, folder: Path) -> Path:
    """Load the graph into an Oxigraph database folder with ``oxigraph load``."""
    data = folder / "aigovkg.nt"
    data.write_bytes(dump(loaded.store, "ntriples"))
    location = folder / "store"
    subprocess.run([oxigraph_binary(), "load", "--location", str(location), "--file", str(data)],
                   check=True, capture_output=True, timeout=600)
    return location


def serve(
    loaded: LoadedGraph,
    *,
    port: int = 7878,
    bind: str = "127.0.0.1",
    timeout_s: int = 30,
    announce: Callable[[str], None] = print,
) -> int:
    """Run a read-only Oxigraph server on the graph until interrupted."""
    if not 0 < port < 65536:
        raise UsageError(f"port must be between 1 and 65535, got {port}")
    def _interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    # Background jobs may start with SIGINT ignored; Ctrl-C and SIGTERM must stop us.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    with tempfile.TemporaryDirectory(prefix="aigovkg-serve-") as tmp:
        location = prepare_store(loaded, Path(tmp))
        command = [oxigraph_binary(), "serve-read-only", "--location", str(location),
                   "--bind", f"{bind}:{port}", "--timeout-s", str(timeout_s)]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_for_port(bind, port, process=process)
            announce(f"SPARQL endpoint: http://{bind}:{port}/query  (query page: http://{bind}:{port}/)")
            announce("read-only; press Ctrl-C to stop")
            return process.wait()
        except KeyboardInterrupt:
            return 0
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
