from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "region27.search"
    label = "search"
    default_auto_field = "django.db.models.BigAutoField"
