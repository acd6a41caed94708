"""Background jobs (ADR 0048): long work (projections, evaluations, exports, email) runs outside the
request on Django's task framework (`django-tasks`, the `django.tasks` API of Django 6), and a
`Job` row lets the person who started it follow its progress.

An area registers a job kind once (`registry.register(...)` from its `AppConfig.ready()`), then
starts one with `services.submit(...)`; the handler reports progress through the callable it is
given. See `services.py` for the lifecycle."""
