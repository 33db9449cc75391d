"""Task reference lists and tasks (mostly calls) on worksheets."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from crm_workstation.models import NumberSequence, format_number
from crm_workstation.scoping import filter_by_department

TASK_PREFIX = "ЗД"


class ReferenceItem(models.Model):
    """A row of an admin-managed list: a name, its place in the list, and whether it is offered."""

    name = models.CharField("наименование", max_length=200, unique=True)
    order = models.PositiveSmallIntegerField("порядок", default=100)
    is_active = models.BooleanField("используется", default=True)

    class Meta:
        abstract = True
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class TaskType(ReferenceItem):
    """Вид задачи."""

    code = models.SlugField("код", max_length=50, unique=True)

    class Meta(ReferenceItem.Meta):
        verbose_name = "вид задачи"
        verbose_name_plural = "виды задач"


class Purpose(ReferenceItem):
    """Цель создания рабочего листа / задачи."""

    class Meta(ReferenceItem.Meta):
        verbose_name = "цель"
        verbose_name_plural = "цели"


class InterviewResult(ReferenceItem):
    """Результат интервью."""

    class Behaviour(models.TextChoices):
        BOOKED_DURING_CALL = "booked_during_call", "Записан во время звонка"
        BOOKED = "booked", "Записан"
        OTHER = "other", "Другое"

    allows_control = models.BooleanField(
        "допускает контроль",
        default=False,
        help_text="Задача с этим результатом без отметки «Работа по цели завершена» встаёт на контроль.",
    )
    behaviour = models.CharField(
        "поведение формы", max_length=20, choices=Behaviour.choices, default=Behaviour.OTHER
    )
    counts_as_booking = models.BooleanField("считается записью", default=False)

    class Meta(ReferenceItem.Meta):
        verbose_name = "результат интервью"
        verbose_name_plural = "результаты интервью"


class PurchaseOption(ReferenceItem):
    """Вариант приобретения услуг сервиса."""

    class Meta(ReferenceItem.Meta):
        verbose_name = "вариант приобретения услуг сервиса"
        verbose_name_plural = "варианты приобретения услуг сервиса"


class TaskQuerySet(models.QuerySet):
    def visible_to(self, user) -> "TaskQuerySet":
        return filter_by_department(self, user, field="worksheet__department")

    def unfinished(self) -> "TaskQuerySet":
        return self.filter(status__in=Task.UNFINISHED)


class Task(models.Model):
    """Задача on a worksheet, with its result."""

    class Status(models.TextChoices):
        NEW = "new", "Новая"
        IN_WORK = "in_work", "В работе"
        ON_CONTROL = "on_control", "На контроле"
        DONE = "done", "Завершена"
        CANCELLED = "cancelled", "Отменена"

    class Outcome(models.TextChoices):
        INTERVIEW = "interview", "Интервью"
        NO_ANSWER = "no_answer", "Недозвон"
        REFUSED = "refused", "Отказ от общения"
        WRONG_DATA = "wrong_data", "Некорректные данные"
        REPEAT = "repeat", "Повторная обработка"

    class WrongData(models.TextChoices):
        PHONE = "phone", "Неверный телефон"
        VEHICLE = "vehicle", "Не тот автомобиль"
        OTHER = "other", "Другое"

    UNFINISHED = (Status.NEW, Status.IN_WORK, Status.ON_CONTROL)

    number = models.CharField("номер", max_length=20, unique=True, editable=False)
    worksheet = models.ForeignKey(
        "worksheets.Worksheet",
        verbose_name="рабочий лист",
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    task_type = models.ForeignKey(
        TaskType, verbose_name="вид задачи", on_delete=models.PROTECT, related_name="+"
    )
    vehicle = models.ForeignKey(
        "client_history.Vehicle",
        verbose_name="автомобиль",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
    )
    goal = models.TextField("цель задачи", blank=True)
    planned_at = models.DateTimeField("запланирована на")
    executor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="исполнитель",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="crm_tasks",
    )
    status = models.CharField("статус", max_length=20, choices=Status.choices, default=Status.NEW)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="создал",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("создана", default=timezone.now)
    taken_at = models.DateTimeField("взята в работу", null=True, blank=True)
    finished_at = models.DateTimeField("завершена", null=True, blank=True)
    previous_task = models.ForeignKey(
        "self",
        verbose_name="предыдущая задача",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
    )
    involved_from = models.ForeignKey(
        "self",
        verbose_name="привлечена из задачи",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="involvements",
    )
    # The result.
    outcome = models.CharField("результат", max_length=20, choices=Outcome.choices, blank=True)
    interview_result = models.ForeignKey(
        InterviewResult,
        verbose_name="результат интервью",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    purchase_option = models.ForeignKey(
        PurchaseOption,
        verbose_name="вариант приобретения услуг сервиса",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    comment = models.TextField("комментарий", blank=True)
    reported_mileage = models.PositiveIntegerField(
        "пробег со слов клиента, км", null=True, blank=True
    )
    wrong_data = models.CharField(
        "что некорректно", max_length=10, choices=WrongData.choices, blank=True
    )
    goal_completed = models.BooleanField("работа по цели завершена", default=False)
    copied_from = models.ForeignKey(
        "self",
        verbose_name="результат скопирован из",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords()
    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = "задача"
        verbose_name_plural = "задачи"
        ordering = ["planned_at", "id"]
        permissions = [("reassign_task", "Может переназначать задачи")]
        constraints = [
            models.UniqueConstraint(
                fields=["worksheet", "task_type", "vehicle"],
                condition=Q(status__in=["new", "in_work", "on_control"]),
                name="task_one_unfinished_per_type_vehicle",
            )
        ]
        indexes = [
            models.Index(fields=["executor", "status"], name="task_executor_status"),
            models.Index(fields=["status", "planned_at"], name="task_status_planned"),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs) -> None:
        if not self.number:
            self.number = format_number(TASK_PREFIX, NumberSequence.reserve(TASK_PREFIX))
        super().save(*args, **kwargs)

    @property
    def is_finished(self) -> bool:
        return self.status not in self.UNFINISHED

    @property
    def is_overdue(self) -> bool:
        return not self.is_finished and self.planned_at < timezone.now()
