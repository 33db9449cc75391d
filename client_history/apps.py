from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClientHistoryConfig(AppConfig):
    name = "client_history"
    verbose_name = _("Данные DMS")
