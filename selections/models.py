"""Selection kinds, importer-file variants, and batches of leads they produce."""

from django.conf import settings
from django.db import models

from crm_workstation.models import Branch, Department, Workshop
from crm_workstation.scoping import filter_by_department


class SelectionKind(models.Model):
    """Вид выборки: a rule (code) with its parameters (data), configured by a department head."""

    class Rule(models.TextChoices):
        MAINTENANCE_DUE = "maintenance_due", "Подошло ТО"
        LOST_CLIENTS = "lost_clients", "Потерянные клиенты"
        LOST_CLIENTS_BY_WORKSHOP = "lost_clients_by_workshop", "Потерянные клиенты по цехам"
        OPEN_RECOMMENDATIONS = "open_recommendations", "Невыполненные рекомендации"
        POST_VISIT = "post_visit", "Звонок после визита"
        WARRANTY_END = "warranty_end", "Окончание гарантии"

    BY_WORKSHOP_RULES = (Rule.LOST_CLIENTS_BY_WORKSHOP,)

    name = models.CharField("наименование", max_length=200, unique=True)
    department = models.ForeignKey(
        Department, verbose_name="ЦФО", on_delete=models.PROTECT, related_name="selection_kinds"
    )
    rule = models.CharField("правило", max_length=40, choices=Rule.choices)
    parameters = models.JSONField("параметры правила", default=dict, blank=True)
    task_type = models.ForeignKey(
        "tasks.TaskType", verbose_name="вид задачи", on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.ForeignKey(
        "tasks.Purpose", verbose_name="цель", on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField("активен", default=True)
    makes = models.CharField(
        "марки", max_length=500, blank=True, help_text="Через запятую; пусто — все марки."
    )
    vehicle_age_min = models.PositiveSmallIntegerField(
        "возраст автомобиля от, лет", null=True, blank=True
    )
    vehicle_age_max = models.PositiveSmallIntegerField(
        "возраст автомобиля до, лет", null=True, blank=True
    )
    exclude_do_not_call = models.BooleanField("исключать «не звонить»", default=True)
    exclude_without_valid_phone = models.BooleanField(
        "исключать клиентов без действующего телефона", default=True
    )

    class Meta:
        verbose_name = "вид выборки"
        verbose_name_plural = "виды выборок"
        ordering = ["department", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def by_workshop(self) -> bool:
        return self.rule in self.BY_WORKSHOP_RULES

    @property
    def make_list(self) -> list[str]:
        return [m.strip() for m in self.makes.split(",") if m.strip()]


class ImporterVariant(models.Model):
    """A variant of the importer's Excel file (Клиенты ТО, Потерянные клиенты)."""

    code = models.SlugField("код", max_length=40, unique=True)
    name = models.CharField("наименование", max_length=100, unique=True)
    task_type = models.ForeignKey(
        "tasks.TaskType", verbose_name="вид задачи", on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.ForeignKey(
        "tasks.Purpose", verbose_name="цель", on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField("используется", default=True)
    max_rows = models.PositiveIntegerField("максимум строк", default=20000)

    class Meta:
        verbose_name = "вариант файла импортера"
        verbose_name_plural = "варианты файлов импортера"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ImporterColumn(models.TextChoices):
    VIN = "vin", "VIN"
    PLATE = "plate", "Госномер"
    MAKE = "make", "Марка"
    MODEL = "model", "Модель"
    YEAR = "year", "Год выпуска"
    CLIENT_NAME = "client_name", "Клиент"
    PHONE = "phone", "Телефон"
    EMAIL = "email", "E-mail"
    SALE_DATE = "sale_date", "Дата продажи"
    LAST_VISIT = "last_visit", "Дата последнего визита"
    MILEAGE = "mileage", "Пробег"
    NEXT_MAINTENANCE = "next_maintenance", "Дата следующего ТО"
    DEALER_CODE = "dealer_code", "Код дилера"
    COMMENT = "comment", "Комментарий"


class ImporterColumnAlias(models.Model):
    """A header name the reader recognises as one of the importer-file columns."""

    variant = models.ForeignKey(
        ImporterVariant, verbose_name="вариант", on_delete=models.CASCADE, related_name="aliases"
    )
    field = models.CharField("поле", max_length=30, choices=ImporterColumn.choices)
    alias = models.CharField("название колонки", max_length=100)

    class Meta:
        verbose_name = "название колонки"
        verbose_name_plural = "названия колонок"
        ordering = ["variant", "field", "alias"]
        constraints = [
            models.UniqueConstraint(fields=["variant", "alias"], name="importer_alias_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_field_display()}: {self.alias}"


class LeadBatchQuerySet(models.QuerySet):
    def visible_to(self, user) -> "LeadBatchQuerySet":
        return filter_by_department(self, user)


class LeadBatch(models.Model):
    """One selection run or one uploaded importer file."""

    class Kind(models.TextChoices):
        SELECTION = "selection", "Выборка"
        IMPORTER_FILE = "importer_file", "Файл импортера"

    class Status(models.TextChoices):
        PENDING = "pending", "В очереди"
        PARSING = "parsing", "Обрабатывается"
        READY = "ready", "Готово"
        FAILED = "failed", "Ошибка"

    kind = models.CharField("вид", max_length=20, choices=Kind.choices)
    branch = models.ForeignKey(
        Branch, verbose_name="структурная единица", on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Department, verbose_name="ЦФО", on_delete=models.PROTECT, related_name="+"
    )
    selection_kind = models.ForeignKey(
        SelectionKind,
        verbose_name="вид выборки",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="batches",
    )
    importer_variant = models.ForeignKey(
        ImporterVariant,
        verbose_name="вариант файла",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="batches",
    )
    workshop = models.ForeignKey(
        Workshop,
        verbose_name="цех",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    period_from = models.DateField("период с", null=True, blank=True)
    period_to = models.DateField("период по", null=True, blank=True)
    file_name = models.CharField("файл", max_length=255, blank=True)
    status = models.CharField(
        "состояние", max_length=20, choices=Status.choices, default=Status.PENDING
    )
    total_rows = models.PositiveIntegerField("строк всего", default=0)
    processed_rows = models.PositiveIntegerField("строк обработано", default=0)
    error = models.TextField("ошибка", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="создал",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("создана", auto_now_add=True)

    objects = LeadBatchQuerySet.as_manager()

    class Meta:
        verbose_name = "пакет лидов"
        verbose_name_plural = "пакеты лидов"
        ordering = ["-created_at", "-id"]
        permissions = [
            ("run_selection", "Может запускать выборки"),
            ("upload_importer_file", "Может загружать файлы импортера"),
        ]

    def __str__(self) -> str:
        source = self.selection_kind or self.importer_variant or self.file_name
        return f"{self.get_kind_display()}: {source} ({self.created_at:%d.%m.%Y})"


class Lead(models.Model):
    """A candidate client of a batch, and what became of it."""

    class Match(models.TextChoices):
        VIN = "vin", "По VIN"
        PLATE = "plate", "По госномеру"
        PHONE = "phone", "По телефону"
        NEW = "new", "Новый клиент"
        NONE = "none", "—"

    class Result(models.TextChoices):
        PENDING = "pending", "Не обработан"
        WORKSHEET_CREATED = "worksheet_created", "Создан рабочий лист"
        TASK_ADDED = "task_added", "Задача добавлена в существующий рабочий лист"
        SKIPPED = "skipped", "Пропущен"

    batch = models.ForeignKey(
        LeadBatch, verbose_name="пакет", on_delete=models.CASCADE, related_name="leads"
    )
    row_number = models.PositiveIntegerField("строка", null=True, blank=True)
    client = models.ForeignKey(
        "client_history.Client",
        verbose_name="контрагент",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    vehicle = models.ForeignKey(
        "client_history.Vehicle",
        verbose_name="автомобиль",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    repair_order = models.ForeignKey(
        "client_history.RepairOrder",
        verbose_name="заказ-наряд",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    data = models.JSONField("данные строки", default=dict, blank=True)
    last_visit = models.DateField("последний визит", null=True, blank=True)
    due_date = models.DateField("срок", null=True, blank=True)
    match = models.CharField(
        "сопоставление", max_length=10, choices=Match.choices, default=Match.NONE
    )
    errors = models.JSONField("проблемы", default=list, blank=True)
    is_usable = models.BooleanField("можно выбрать", default=True)
    selected = models.BooleanField("выбран", default=False)
    result = models.CharField("итог", max_length=20, choices=Result.choices, default=Result.PENDING)
    skip_reason = models.CharField("причина пропуска", max_length=200, blank=True)
    worksheet = models.ForeignKey(
        "worksheets.Worksheet",
        verbose_name="рабочий лист",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    task = models.ForeignKey(
        "tasks.Task",
        verbose_name="задача",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "лид"
        verbose_name_plural = "лиды"
        ordering = ["batch", "row_number", "id"]
        indexes = [models.Index(fields=["batch", "selected"], name="lead_batch_selected")]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.row_number or self.id}"
