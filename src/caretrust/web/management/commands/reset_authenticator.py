"""`caretrust manage reset_authenticator USERNAME`: remove a member of staff's authenticator (lost or
replaced phone), so their next sign-in asks them to set up a new one. Audited."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = "Remove a user's TOTP authenticator so they enrol a new one at their next sign-in."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--reason", required=True, help="Why (recorded in the audit log).")

    @transaction.atomic
    def handle(self, *args, username: str, reason: str, **options) -> None:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from caretrust.access import audit
        from caretrust.access.models import AuditEvent
        from caretrust.organisations.models import User

        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username!r}")
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        audit.record(
            actor=None,
            actor_label="caretrust manage reset_authenticator",
            action=AuditEvent.Action.DELETE,
            obj=user,
            reason=reason,
            details={"second_factor": "authenticator reset", "devices_removed": removed},
        )
        self.stdout.write(
            f"{username}: {removed} authenticator(s) removed; they set up a new one at next sign-in."
        )
