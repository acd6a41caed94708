from django.apps import AppConfig


class RecordConfig(AppConfig):
    name = "caretrust.record"
    label = "record"
    verbose_name = "Shared care record"
