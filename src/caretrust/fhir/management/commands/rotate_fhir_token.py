from django.core.management.base import BaseCommand, CommandError

from caretrust.fhir.models import ApiClient
from caretrust.fhir.services import TokenError, rotate_client


class Command(BaseCommand):
    help = "Give a FHIR API client a new token (shown once); its old token stops working at once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="client name")
        parser.add_argument("--days", type=int, default=None, help="lifetime (default 90)")

    def handle(self, *args, name: str, days: int | None, **options) -> None:
        client = ApiClient.objects.filter(name=name).first()
        if client is None:
            raise CommandError(f"no API client called {name!r}")
        try:
            token = rotate_client(client=client, days=days)
        except TokenError as exc:
            raise CommandError(str(exc)) from None
        client.refresh_from_db()
        self.stdout.write(
            f"client {client.name}: new token, expires {client.expires_at:%Y-%m-%d %H:%M} UTC"
        )
        self.stdout.write(f"token (shown once, store it safely): {token}")
