from django.core.management.base import BaseCommand, CommandError

from caretrust.demo import load_demo_directory, load_demo_pool
from caretrust.organisations.demo import DEMO_PASSWORD, USERS, DemoDataRefused


class Command(BaseCommand):
    help = "Load the demo organisations, localities, teams and one user per role (idempotent)."

    def handle(self, *args, **options) -> None:
        try:
            counts = load_demo_directory()
        except DemoDataRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            "Demo directory ready: {organisations} organisations, {localities} localities, "
            "{teams} teams, {users_created} new users.".format(**counts)
        )
        from django.utils import timezone

        pool = load_demo_pool(timezone.localdate())
        self.stdout.write(f"Demo pooled budget ready: {pool}.")
        names = ", ".join(user.username for user in USERS)
        self.stdout.write(f"Sign in as any of: {names} (password: {DEMO_PASSWORD})")
