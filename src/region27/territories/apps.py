from django.apps import AppConfig


class TerritoriesConfig(AppConfig):
    name = "region27.territories"
    label = "territories"
    default_auto_field = "django.db.models.BigAutoField"
