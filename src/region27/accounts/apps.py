from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "region27.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from region27.accounts.journaled import register

        register()
