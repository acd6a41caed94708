"""The sign-in backend: Django's ModelBackend, with the signed-in user's organisation read in the
same statement as the user (ADR 126)."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend, UserModel


class UserWithOrganisationBackend(ModelBackend):
    """Every request's access rules and audit rows ask for `request.user.organisation` (whether
    the user works for an ICB, the organisation an audit row is keyed to): joined once when the
    session's user is loaded rather than fetched again on each page."""

    def get_user(self, user_id):
        try:
            user = UserModel._default_manager.select_related("organisation").get(pk=user_id)
        except UserModel.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
