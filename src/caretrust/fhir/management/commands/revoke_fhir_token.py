from django.core.management.base import BaseCommand, CommandError

from caretrust.fhir.models import ApiClient
from caretrust.fhir.services import revoke_client


class Command(BaseCommand):
    help = "Revoke a FHIR API client's token: it is refused from now on."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="client name")

    def handle(self, *args, name: str, **options) -> None:
        client = ApiClient.objects.filter(name=name).first()
        if client is None:
            raise CommandError(f"no API client called {name!r}")
        revoke_client(client=client)
        self.stdout.write(f"client {client.name}: token revoked")
