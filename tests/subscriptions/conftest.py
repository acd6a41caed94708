from __future__ import annotations

import socket

import pytest

from caretrust.fhir.registry import FhirContext
from caretrust.fhir.services import issue_client
from caretrust.organisations.models import Organisation


@pytest.fixture
def closed_port_url() -> str:
    """An address where nothing listens: connection refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/notify"


@pytest.fixture
def gp_system(demo_directory):
    """The practice's GP system: an API client acting as a co-ordinator for DEMO-GP1."""
    practice = Organisation.objects.get(code="DEMO-GP1")
    client, token = issue_client(name="harbour-gp", organisation=practice, role="coordinator")
    client.token = token
    client.ctx = FhirContext(user=client.user, base_url="http://testserver/fhir", client=client)
    return client
