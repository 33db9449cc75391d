from django.apps import AppConfig


class CrmWorkstationConfig(AppConfig):
    name = "crm_workstation"
    verbose_name = "Организация"
