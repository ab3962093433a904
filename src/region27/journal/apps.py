from django.apps import AppConfig


class JournalConfig(AppConfig):
    name = "region27.journal"
    label = "journal"
    default_auto_field = "django.db.models.BigAutoField"
