"""Worksheets (рабочие листы) and why they exist (цели).

The worksheet is the lower end of the CRM data: tasks, service requests and leads refer to it,
it refers to none of them, so the apps' migrations depend one way only.
"""

from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from client_history.models import Client
from crm_workstation.models import Branch, Department, ReferenceItem, next_number
from crm_workstation.scoping import filter_by_department

WORKSHEET_PREFIX = "РЛ"


class Purpose(ReferenceItem):
    """Цель создания рабочего листа / задачи."""

    class Meta(ReferenceItem.Meta):
        verbose_name = _("цель")
        verbose_name_plural = _("цели")


class WorksheetQuerySet(models.QuerySet):
    def visible_to(self, user) -> "WorksheetQuerySet":
        """The one scoping rule for worksheets: the user's departments (a superuser: all)."""
        return filter_by_department(self, user)


class Worksheet(models.Model):
    """Рабочий лист: one client's card of work in one department."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Вручную")
        IMPORTER_FILE = "importer_file", _("Файл импортера")
        AUTO_SELECTION = "auto_selection", _("Автоматическая выборка")
        INVOLVEMENT = "involvement", _("Привлечение")

    number = models.CharField(_("номер"), max_length=20, unique=True, editable=False)
    # Indexed by worksheet_department_client and worksheet_one_per_client_department.
    department = models.ForeignKey(
        Department,
        verbose_name=_("ЦФО"),
        on_delete=models.PROTECT,
        related_name="worksheets",
        db_index=False,
    )
    client = models.ForeignKey(
        Client,
        verbose_name=_("контрагент"),
        on_delete=models.PROTECT,
        related_name="worksheets",
        db_index=False,
    )
    purpose = models.ForeignKey(
        Purpose, verbose_name=_("цель создания"), on_delete=models.PROTECT, related_name="+"
    )
    initiator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("инициатор создания"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # What produced it is found from the producer's side, so this app depends on no higher one:
    # the lead whose `worksheet` it is (selections), or the involving task that its first
    # task names in `involved_from` (tasks).
    source = models.CharField(
        _("источник"), max_length=20, choices=Source.choices, default=Source.MANUAL
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ответственный исполнитель"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)

    history = HistoricalRecords()
    objects = WorksheetQuerySet.as_manager()

    class Meta:
        verbose_name = _("рабочий лист")
        verbose_name_plural = _("рабочие листы")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "department"], name="worksheet_one_per_client_department"
            )
        ]
        indexes = [
            # A department's worksheets and their clients from the index alone: «Этапы
            # сделок» reads the ids of the department's worksheets (at seed L they lie
            # scattered over 3,500 table pages among the group's), the client search asks
            # whether a namesake has a worksheet in the user's departments.
            models.Index(
                fields=["department", "client"],
                include=["id"],
                name="worksheet_department_client",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs) -> None:
        if not self.number:
            self.number = next_number(WORKSHEET_PREFIX)
        moved = self.pk is not None and self.department_id != getattr(
            self, "_loaded_department_id", self.department_id
        )
        if moved:  # its tasks keep their worksheet's department (Task.department)
            with transaction.atomic():
                super().save(*args, **kwargs)
                self.tasks.update(department_id=self.department_id)
        else:
            super().save(*args, **kwargs)
        self._loaded_department_id = self.department_id

    @classmethod
    def from_db(cls, db, field_names, values):
        worksheet = super().from_db(db, field_names, values)
        worksheet._loaded_department_id = worksheet.__dict__.get("department_id")
        return worksheet

    @property
    def branch(self) -> Branch:
        """The structural unit is the department's: kept in one place, it cannot disagree."""
        return self.department.branch
