from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "caretrust.directory"
    label = "directory"
    verbose_name = "Local services directory (Open Referral UK)"
