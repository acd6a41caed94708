"""Where a notification may go, and sending it. An endpoint is http(s); with
`CARETRUST_SUBSCRIPTION_REQUIRE_HTTPS` (on unless a setting says otherwise) only https. Its host
must not resolve to a private, loopback, link-local or otherwise reserved address unless
`CARETRUST_SUBSCRIPTION_ALLOW_PRIVATE` is on (tests, a private network): caretrust must not be
usable to reach its own network (SSRF). The address is checked when the subscription is made and
again at every attempt (a name can be re-pointed), and the connection goes to the checked
address; redirects are never followed."""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from django.conf import settings

#: `channel.header` entries: "Name: value", a token name, no line breaks.
HEADER = re.compile(r"^([!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}):[ \t]*([^\r\n]{0,1000})$")
#: headers caretrust sets itself, which a subscription may not replace
RESERVED_HEADERS = {"host", "content-type", "content-length", "transfer-encoding", "connection"}


class EndpointRefused(ValueError):
    """The endpoint (or a header) may not be used; the message says why."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked IP address the connection goes to


def check_headers(headers: list[str]) -> list[str]:
    cleaned = []
    for header in headers:
        match = HEADER.match(header or "")
        if match is None:
            raise EndpointRefused(f"channel.header {header!r} is not 'Name: value' on one line")
        if match.group(1).lower() in RESERVED_HEADERS:
            raise EndpointRefused(f"channel.header may not set {match.group(1)}")
        cleaned.append(header)
    return cleaned


def check_url(url: str) -> SplitResult:
    try:
        parts = urlsplit(url or "")
    except ValueError as exc:
        raise EndpointRefused(f"channel.endpoint is not a URL ({exc})") from None
    allowed = ("https",) if settings.CARETRUST_SUBSCRIPTION_REQUIRE_HTTPS else ("http", "https")
    if parts.scheme not in allowed or not parts.hostname:
        raise EndpointRefused(
            f"channel.endpoint must be an absolute {' or '.join(allowed)} URL, not {url!r}"
        )
    if parts.username or parts.password:
        raise EndpointRefused("channel.endpoint may not carry a user name or password")
    try:
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        raise EndpointRefused("channel.endpoint has a port that is not a number") from None
    return parts


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(url: str) -> Target:
    """Check the URL and its host's addresses; the address the connection will use."""
    parts = check_url(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError) as exc:
        raise EndpointRefused(
            f"the endpoint's host {parts.hostname} cannot be found ({exc})"
        ) from None
    addresses = [info[4][0] for info in infos]
    if not settings.CARETRUST_SUBSCRIPTION_ALLOW_PRIVATE and not all(map(_public, addresses)):
        raise EndpointRefused(
            f"the endpoint's host {parts.hostname} is a private or reserved address; "
            "notifications go only to public addresses"
        )
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    return Target(parts.scheme, parts.hostname or "", port, path, addresses[0])


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the checked address, verifying the certificate for the URL's host name."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self.host)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    http_status: int | None
    error: str


def post(url: str, *, body: bytes, headers: list[str], content_type: str) -> Outcome:
    """One attempt: POST `body` (may be empty). 2xx is delivered; anything else is an error."""
    try:
        target = resolve(url)
    except EndpointRefused as refused:
        return Outcome(False, None, str(refused))
    timeout = settings.CARETRUST_SUBSCRIPTION_TIMEOUT_SECONDS
    connection: http.client.HTTPConnection
    if target.scheme == "https":
        connection = _PinnedHTTPSConnection(target, timeout)
    else:
        connection = http.client.HTTPConnection(target.address, target.port, timeout=timeout)
    sent = {"Host": target.host, "User-Agent": "caretrust-subscriptions"}
    if body:
        sent["Content-Type"] = content_type
    for header in headers:
        name, _, value = header.partition(":")
        sent[name.strip()] = value.strip()
    try:
        connection.request("POST", target.path, body=body, headers=sent)
        response = connection.getresponse()
        response.read(64 * 1024)
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(False, None, f"could not reach the endpoint: {exc or type(exc).__name__}")
    finally:
        connection.close()
    if 200 <= response.status < 300:
        return Outcome(True, response.status, "")
    return Outcome(False, response.status, f"the endpoint answered HTTP {response.status}")
