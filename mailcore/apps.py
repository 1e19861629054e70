from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _register_sqlite_functions(sender, connection, **kwargs) -> None:
    """SQLite's LIKE folds ASCII only: text searches with a non-ASCII needle compare
    mail_casefold(column) instead (mailcore.store.criteria.FoldedContains)."""
    if connection.vendor != "sqlite":
        return
    from .store.criteria import fold

    connection.connection.create_function("mail_casefold", 1, fold, deterministic=True)


class MailcoreConfig(AppConfig):
    name = "mailcore"
    verbose_name = "Mail store"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        connection_created.connect(_register_sqlite_functions, dispatch_uid="mailcore-sqlite")
