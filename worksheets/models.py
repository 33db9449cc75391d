"""Worksheets (рабочие листы) and service requests (заявки на обслуживание)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from client_history.models import Client, RepairOrder, Vehicle
from crm_workstation.models import Branch, Department, NumberSequence, Workshop, format_number
from crm_workstation.scoping import filter_by_department

WORKSHEET_PREFIX = "РЛ"
SERVICE_REQUEST_PREFIX = "ЗС"


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
    branch = models.ForeignKey(
        Branch, verbose_name=_("структурная единица"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("ЦФО"), on_delete=models.PROTECT, related_name="worksheets"
    )
    client = models.ForeignKey(
        Client, verbose_name=_("контрагент"), on_delete=models.PROTECT, related_name="worksheets"
    )
    purpose = models.ForeignKey(
        "tasks.Purpose", verbose_name=_("цель создания"), on_delete=models.PROTECT, related_name="+"
    )
    initiator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("инициатор создания"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    source = models.CharField(
        _("источник"), max_length=20, choices=Source.choices, default=Source.MANUAL
    )
    source_batch = models.ForeignKey(
        "selections.LeadBatch",
        verbose_name=_("выборка / файл"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    source_task = models.ForeignKey(
        "tasks.Task",
        verbose_name=_("задача-привлечение"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
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

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs) -> None:
        if not self.number:
            self.number = format_number(WORKSHEET_PREFIX, NumberSequence.reserve(WORKSHEET_PREFIX))
        super().save(*args, **kwargs)


class ServiceRequest(models.Model):
    """Заявка на обслуживание."""

    class Status(models.TextChoices):
        NEW = "new", _("Новая")
        CONFIRMED = "confirmed", _("Подтверждена")
        ARRIVED = "arrived", _("Клиент приехал")
        CANCELLED = "cancelled", _("Отменена")

    number = models.CharField(_("номер"), max_length=20, unique=True, editable=False)
    worksheet = models.ForeignKey(
        Worksheet,
        verbose_name=_("рабочий лист"),
        on_delete=models.PROTECT,
        related_name="service_requests",
    )
    task = models.ForeignKey(
        "tasks.Task",
        verbose_name=_("задача"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_requests",
    )
    client = models.ForeignKey(
        Client, verbose_name=_("контрагент"), on_delete=models.PROTECT, related_name="+"
    )
    vehicle = models.ForeignKey(
        Vehicle,
        verbose_name=_("автомобиль"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    branch = models.ForeignKey(
        Branch, verbose_name=_("структурная единица"), on_delete=models.PROTECT, related_name="+"
    )
    workshop = models.ForeignKey(
        Workshop,
        verbose_name=_("цех"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    desired_at = models.DateTimeField(_("желаемые дата и время"))
    requested_works = models.TextField(_("заказанные работы"))
    purchase_option = models.ForeignKey(
        "tasks.PurchaseOption",
        verbose_name=_("вариант приобретения услуг сервиса"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    comment = models.TextField(_("комментарий"), blank=True)
    status = models.CharField(
        _("статус"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    arrived_order = models.ForeignKey(
        RepairOrder,
        verbose_name=_("заказ-наряд приезда"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("создал"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("создана"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("заявка на обслуживание")
        verbose_name_plural = _("заявки на обслуживание")
        ordering = ["-desired_at", "-id"]
        indexes = [models.Index(fields=["vehicle", "desired_at"], name="sr_vehicle_desired")]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs) -> None:
        if not self.number:
            self.number = format_number(
                SERVICE_REQUEST_PREFIX, NumberSequence.reserve(SERVICE_REQUEST_PREFIX)
            )
        super().save(*args, **kwargs)
