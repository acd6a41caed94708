from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "caretrust.ingest"
    label = "ingest"
    verbose_name = "Importers"
