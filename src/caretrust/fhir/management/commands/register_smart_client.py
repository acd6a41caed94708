from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from caretrust.fhir.services import TokenError
from caretrust.fhir.smart import load_jwks, register_backend_client
from caretrust.organisations.models import Organisation


class Command(BaseCommand):
    help = (
        "Register a SMART Backend Services client (ADR 113): its public key set (JWKS file) and "
        "the system scopes it may be granted, scoped to an organisation and an API client role."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="client name, the client_id, e.g. bayside-gp-system")
        parser.add_argument("--organisation", required=True, help="organisation code (ODS)")
        parser.add_argument("--role", default="coordinator", help="coordinator or analyst")
        parser.add_argument("--jwks", required=True, help="file holding the public JWK Set")
        parser.add_argument(
            "--scopes",
            required=True,
            help='scopes it may be granted, e.g. "system/Patient.read system/Task.write"',
        )
        parser.add_argument(
            "--change-scope",
            action="store_true",
            help="allow re-registering an existing client with another organisation or role",
        )

    def handle(self, *args, name: str, organisation: str, role: str, **options) -> None:
        org = Organisation.objects.filter(code=organisation).first()
        if org is None:
            raise CommandError(f"no organisation with code {organisation!r}")
        try:
            jwks_text = Path(options["jwks"]).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot read {options['jwks']}: {exc.strerror}") from None
        try:
            client = register_backend_client(
                name=name,
                organisation=org,
                role=role,
                jwks=load_jwks(jwks_text),
                scopes=options["scopes"],
                change_scope=options["change_scope"],
            )
        except TokenError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"client {client.name} ({org.name}, {role})")
        self.stdout.write(f"scopes it may be granted: {client.allowed_scopes}")
        kids = ", ".join(k["kid"] for k in client.jwks["keys"])
        self.stdout.write(f"keys: {kids}; token endpoint: <site>/fhir/auth/token")
