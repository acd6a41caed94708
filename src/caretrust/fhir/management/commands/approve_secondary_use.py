from django.core.management.base import BaseCommand, CommandError

from caretrust.fhir.models import ApiClient
from caretrust.fhir.services import SECONDARY_USES, TokenError, approve_secondary_use


class Command(BaseCommand):
    help = (
        "Approve an analyst's FHIR API client for Bulk Data system-level export (ADR 117), "
        "pseudonymised or identifiable, naming the approval; --withdraw takes it back."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="client name")
        parser.add_argument("--level", choices=SECONDARY_USES, default="pseudonymised")
        parser.add_argument("--approval", default="", help="e.g. the data sharing agreement")
        parser.add_argument("--withdraw", action="store_true")

    def handle(self, *args, name: str, level: str, approval: str, withdraw: bool, **options):
        client = ApiClient.objects.select_related("user").filter(name=name).first()
        if client is None:
            raise CommandError(f"no API client called {name!r}")
        try:
            approve_secondary_use(client=client, level="" if withdraw else level, approval=approval)
        except TokenError as exc:
            raise CommandError(str(exc)) from None
        said = "withdrawn" if withdraw else f"approved ({level}, {client.secondary_use_approval})"
        self.stdout.write(f"client {client.name}: secondary use {said}")
