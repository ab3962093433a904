from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "region27.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
