from django.apps import AppConfig


class ClientHistoryConfig(AppConfig):
    name = "client_history"
    verbose_name = "Данные DMS"
