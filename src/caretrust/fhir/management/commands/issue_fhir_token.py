from django.core.management.base import BaseCommand, CommandError

from caretrust.fhir.services import TokenError, issue_client
from caretrust.organisations.models import Organisation


class Command(BaseCommand):
    help = (
        "Issue a bearer token for a FHIR API client, scoped to an organisation and an API client "
        "role (shown once; it expires)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="client name, e.g. bayside-gp-system")
        parser.add_argument("--organisation", required=True, help="organisation code (ODS)")
        parser.add_argument("--role", default="coordinator", help="coordinator or analyst")
        parser.add_argument("--days", type=int, default=None, help="lifetime (default 90)")
        parser.add_argument(
            "--change-scope",
            action="store_true",
            help="allow re-issuing an existing client with another organisation or role",
        )

    def handle(self, *args, name: str, organisation: str, role: str, **options) -> None:
        org = Organisation.objects.filter(code=organisation).first()
        if org is None:
            raise CommandError(f"no organisation with code {organisation!r}")
        try:
            client, token = issue_client(
                name=name,
                organisation=org,
                role=role,
                days=options["days"],
                change_scope=options["change_scope"],
            )
        except TokenError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"client {client.name} ({org.name}, {role})")
        self.stdout.write(f"expires {client.expires_at:%Y-%m-%d %H:%M} UTC")
        self.stdout.write(f"token (shown once, store it safely): {token}")
