from django.apps import AppConfig


class MailcoreConfig(AppConfig):
    name = "mailcore"
    verbose_name = "Mail store"
    default_auto_field = "django.db.models.BigAutoField"
