"""Workflows that write worksheets. Each is one transaction; views call them, they never see a
request."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from worksheets.models import Worksheet
from worksheets.selectors import department_staff, may_reassign


class ReassignError(Exception):
    """The change is not allowed; the message says why, in Russian."""


def worksheet_set_responsible(
    *, worksheet: Worksheet, responsible: AbstractBaseUser | None, user: AbstractBaseUser
) -> Worksheet:
    """SPEC §5.3.9: a department head gives the worksheet another responsible executor (an
    active employee of its department), or none. The change is in the worksheet's history."""
    if not may_reassign(user=user, department_id=worksheet.department_id):
        raise ReassignError(_("Менять ответственного может руководитель этого ЦФО."))
    if responsible is not None and not (
        department_staff(departments=[worksheet.department_id]).filter(pk=responsible.pk).exists()
    ):
        raise ReassignError(_("Этот сотрудник не работает в ЦФО рабочего листа."))
    with transaction.atomic():
        locked = Worksheet.objects.select_for_update().get(pk=worksheet.pk)
        if locked.responsible_id == (responsible.pk if responsible else None):
            return locked
        locked.responsible = responsible
        locked._history_user = user
        locked.save(update_fields=["responsible"])
    worksheet.responsible = responsible
    return worksheet
