from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmWorkstationConfig(AppConfig):
    name = "crm_workstation"
    verbose_name = _("Организация")
