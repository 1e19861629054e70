from django.apps import AppConfig


class UiConfig(AppConfig):
    name = "webmail.ui"
    label = "ui"
    verbose_name = "Web UI"
