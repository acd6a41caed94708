from django.core.management.base import BaseCommand, CommandError

from caretrust.fhir.services import issue_client
from caretrust.organisations.models import Organisation


class Command(BaseCommand):
    help = "Issue a bearer token for a FHIR API client, scoped to an organisation (shown once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="client name, e.g. bayside-gp-system")
        parser.add_argument("--organisation", required=True, help="organisation code (ODS)")
        parser.add_argument("--role", default="coordinator", help="role the client acts as")

    def handle(self, *args, name: str, organisation: str, role: str, **options) -> None:
        org = Organisation.objects.filter(code=organisation).first()
        if org is None:
            raise CommandError(f"no organisation with code {organisation!r}")
        try:
            client, token = issue_client(name=name, organisation=org, role=role)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"client {client.name} ({org.name}, {role})")
        self.stdout.write(f"token (shown once, store it safely): {token}")
