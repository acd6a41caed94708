"""`caretrust deploy` and `caretrust serve` with the production settings, as an operator runs them
(subprocesses, real HTTP): static files are built with a manifest, pages are served, a trusted
proxy's X-Forwarded-Proto is honoured, and the development configuration says what it is."""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from caretrust.web.commands import DEVELOPMENT_NOTICE

CLEARED = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "DJANGO_SETTINGS_MODULE",
    "REDIS_URL",
    "TRUSTED_PROXIES",
    "CARETRUST_ALLOW_SQLITE_IN_PRODUCTION",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "STATIC_ROOT",
}


def _environment(**env: str) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if key not in CLEARED}
    environment.update(env)
    return environment


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _caretrust(*args: str) -> list[str]:
    return [sys.executable, "-m", "caretrust.cli", *args]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(url: str, headers: dict[str, str] | None = None):
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers=headers or {})
    try:
        return opener.open(request, timeout=30)
    except urllib.error.HTTPError as error:
        return error


def _wait_until_serving(process: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve stopped: {process.stderr.read()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("serve did not start")


@pytest.fixture
def production(tmp_path: Path) -> dict[str, str]:
    return _environment(
        DJANGO_SETTINGS_MODULE="caretrust.config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="care.example",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CARETRUST_ALLOW_SQLITE_IN_PRODUCTION="1",
        REDIS_URL="redis://127.0.0.1:6379/15",
        TRUSTED_PROXIES="127.0.0.1",
        STATIC_ROOT=str(tmp_path / "static"),
        CARETRUST_VAR_DIR=str(tmp_path / "var"),
    )


@pytest.mark.parametrize("processes", ["1", "2"])
@pytest.mark.slow
def test_deploy_then_serve_behind_a_trusted_proxy(production, tmp_path, processes) -> None:
    deployed = subprocess.run(
        _caretrust("deploy"), env=production, capture_output=True, text=True, timeout=300
    )
    assert deployed.returncode == 0, deployed.stderr
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
    assert "nhsuk/caretrust.css" in manifest
    assert "nhsuk/assets/images/favicon.svg" in manifest
    assert "caretrust/js-enabled.js" in manifest

    port = _free_port()
    server = subprocess.Popen(
        _caretrust("serve", "--port", str(port), "--processes", processes, "--threads", "2"),
        env=production,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_until_serving(server, port)
        base = f"http://127.0.0.1:{port}"
        host = {"Host": "care.example"}
        # Plain HTTP, no proxy header: redirected to HTTPS (SECURE_SSL_REDIRECT).
        plain = _get(f"{base}/sign-in/", host)
        assert plain.status == 301
        assert plain.headers["Location"] == "https://care.example/sign-in/"
        # Through the trusted proxy (127.0.0.1) saying the client used HTTPS: served, no loop.
        page = _get(f"{base}/sign-in/", {**host, "X-Forwarded-Proto": "https"})
        assert page.status == 200
        assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
        html = page.read().decode()
        stylesheet = re.search(r'href="(/static/nhsuk/caretrust\.[0-9a-f]{12}\.css)"', html)
        assert stylesheet, "the page names the hashed stylesheet from the manifest"
        css = _get(f"{base}{stylesheet.group(1)}", {**host, "X-Forwarded-Proto": "https"})
        assert css.status == 200
        assert "immutable" in css.headers.get("Cache-Control", "")
        assert "<script>" not in html
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.slow
def test_serve_without_settings_says_it_is_the_development_configuration(tmp_path) -> None:
    port = _free_port()
    server = subprocess.Popen(
        _caretrust("serve", "--port", str(port)),
        env=_environment(CARETRUST_VAR_DIR=str(tmp_path / "var")),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_until_serving(server, port)
    finally:
        server.terminate()
        server.wait(timeout=30)
    notice = [line for line in server.stderr.read().splitlines() if line.startswith("caretrust:")]
    assert notice == [DEVELOPMENT_NOTICE]
    assert "development configuration" in notice[0] and "DEBUG on" in notice[0]


@pytest.mark.slow
def test_serve_with_production_settings_says_nothing_of_development(production) -> None:
    port = _free_port()
    server = subprocess.Popen(
        _caretrust("serve", "--port", str(port)),
        env=production,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_until_serving(server, port)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert "development configuration" not in server.stderr.read()
    assert "Trusting X-Forwarded-Proto" in server.stdout.read()


@pytest.mark.slow
def test_deploy_stops_with_one_line_when_redis_does_not_answer(production) -> None:
    production["REDIS_URL"] = "redis://127.0.0.1:1/0"
    result = subprocess.run(
        _caretrust("deploy"), env=production, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert result.stderr.startswith("caretrust: REDIS_URL: cannot connect to Redis")
    assert result.stderr.strip().count("\n") == 0, result.stderr


@pytest.mark.slow
def test_the_real_production_settings_serve_every_page_each_role_reaches(production) -> None:
    """`caretrust deploy`, then every demo role walks its pages with the production settings
    module itself (tests/config/production_walk.py): no 5xx, CSP everywhere, no inline script,
    every static file served by its hashed name from the built copy."""
    deployed = subprocess.run(
        _caretrust("deploy"), env=production, capture_output=True, text=True, timeout=300
    )
    assert deployed.returncode == 0, deployed.stderr
    script = Path(__file__).with_name("production_walk.py")
    import caretrust

    # The demo story's financial assessment needs the council's own figures (an operator setting).
    figures = Path(caretrust.__file__).parent / "funding" / "rules" / "demo-council-figures.toml"
    walked = subprocess.run(
        [sys.executable, str(script)],
        env={**production, "CARETRUST_COUNCIL_FIGURES": str(figures)},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert walked.returncode == 0, walked.stderr[-3000:]
    report = json.loads(walked.stdout.strip().splitlines()[-1])
    assert report["problems"] == []
    assert set(report["roles"]) == {
        "coordinator",
        "nurse",
        "ot",
        "socialworker",
        "gp",
        "finance",
        "analyst",
        "privacy",
        "admin",
        "edith",
        "susan",
        "chc",  # the ICB's CHC assessor (ADR 85)
        "discharge",  # the hospital's discharge team (ADR 84)
        "voluntary",  # a voluntary organisation answering signposted referrals (ADR 110)
    }
    for username, pages in report["roles"].items():
        assert pages["pages"] >= 10 and pages["ok"] >= 3, (username, pages)
    assert report["statics"] >= 5


@pytest.mark.slow
def test_serve_behind_no_trusted_proxy_says_every_request_is_redirected(production) -> None:
    production["TRUSTED_PROXIES"] = ""
    port = _free_port()
    server = subprocess.Popen(
        _caretrust("serve", "--port", str(port)),
        env=production,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_until_serving(server, port)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert "caretrust: TRUSTED_PROXIES is empty" in server.stderr.read()
