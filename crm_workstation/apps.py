from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmWorkstationConfig(AppConfig):
    name = "crm_workstation"
    verbose_name = _("Организация")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from crm_workstation.middleware import touch_session_at_login

        # Infrastructure, not domain logic: a fresh session starts its idle clock at login, so
        # the first pages after it need not save the session again.
        user_logged_in.connect(touch_session_at_login, dispatch_uid="crm_touch_session")
