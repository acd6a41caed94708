"""The email that tells someone a notification waits for them.

Email is not a secure channel (it leaves the care record's systems, is kept on phones and
forwarded, and the address may be shared or personal), so the message says only that something
new waits in caretrust and links to it: no name, no NHS number, no clinical detail, not even the
task's title. The link's page asks the reader to sign in and checks their relationship."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail

from caretrust.notifications.models import Kind, Notification

WHAT = {
    Kind.TASK_ASSIGNED: "a new task",
    Kind.MESSAGE: "a new secure message",
    Kind.REFERRAL_IN_TRAY: "a new referral in your team's in-tray",
    Kind.VISIT_MISSED: "a new task (a visit was missed)",
}


def subject_and_body(notification: Notification) -> tuple[str, str]:
    what = WHAT.get(notification.kind, "something new")
    base = settings.CARETRUST_BASE_URL.rstrip("/")
    link = f"{base}{notification.link or '/notifications/'}"
    subject = f"You have {what} in caretrust"
    body = (
        f"You have {what} in caretrust.\n\n"
        f"Sign in to see it: {link}\n\n"
        "This email does not say who it is about: details are only in caretrust.\n"
        "Change which emails you get under Settings in caretrust.\n"
    )
    return subject, body


def send(notification: Notification) -> bool:
    if not notification.user.email:
        return False
    subject, body = subject_and_body(notification)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [notification.user.email])
    return True
