from django.apps import AppConfig
from django.db.backends.signals import connection_created


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Аналитика"

    def ready(self) -> None:
        from analytics.aggregates import register_sqlite_median

        # SQLite has no median: each new connection gets one (PostgreSQL has percentile_cont).
        connection_created.connect(register_sqlite_median, dispatch_uid="analytics_sqlite_median")
