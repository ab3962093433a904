from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "region27.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"
