"""Moved to `caretrust.ui.params` (ADR 75); this name stays for code written before the move."""

from caretrust.ui.params import (  # noqa: F401
    BadParameter,
    RefuseNulMiddleware,
    bad_request,
    int_param,
    uuid_list,
)
