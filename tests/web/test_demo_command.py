"""`caretrust demo` (the README's first command) prepares the embedded database and serves it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
@pytest.mark.slow
def test_demo_serves_the_sign_in_page(tmp_path) -> None:
    port = free_port()
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment["CARETRUST_VAR_DIR"] = str(tmp_path / "var")
    server = subprocess.Popen(
        [sys.executable, "-m", "caretrust.cli", "demo", "--no-population", "--port", str(port)],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 180
        status = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/sign-in/", timeout=5) as r:
                    status = r.status
                    page = r.read().decode()
                break
            except OSError:
                time.sleep(1)
        assert server.poll() is None, server.stdout.read()
        assert status == 200 and "Sign in" in page
    finally:
        server.terminate()
        server.wait(timeout=30)
