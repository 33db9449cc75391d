"""Selection kinds, importer-file variants, and batches of leads they produce."""

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm_workstation.models import Branch, Department, Workshop
from crm_workstation.scoping import filter_by_department


class SelectionKind(models.Model):
    """Вид выборки: a rule (code) with its parameters (data), configured by a department head."""

    class Rule(models.TextChoices):
        MAINTENANCE_DUE = "maintenance_due", _("Подошло ТО")
        LOST_CLIENTS = "lost_clients", _("Потерянные клиенты")
        LOST_CLIENTS_BY_WORKSHOP = "lost_clients_by_workshop", _("Потерянные клиенты по цехам")
        OPEN_RECOMMENDATIONS = "open_recommendations", _("Невыполненные рекомендации")
        POST_VISIT = "post_visit", _("Звонок после визита")
        WARRANTY_END = "warranty_end", _("Окончание гарантии")

    BY_WORKSHOP_RULES = (Rule.LOST_CLIENTS_BY_WORKSHOP,)

    name = models.CharField(_("наименование"), max_length=200)
    department = models.ForeignKey(
        Department, verbose_name=_("ЦФО"), on_delete=models.PROTECT, related_name="selection_kinds"
    )
    rule = models.CharField(_("правило"), max_length=40, choices=Rule.choices)
    parameters = models.JSONField(_("параметры правила"), default=dict, blank=True)
    task_type = models.ForeignKey(
        "tasks.TaskType", verbose_name=_("вид задачи"), on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.ForeignKey(
        "worksheets.Purpose", verbose_name=_("цель"), on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(_("активен"), default=True)
    makes = models.CharField(
        _("марки"), max_length=500, blank=True, help_text=_("Через запятую; пусто — все марки.")
    )
    vehicle_age_min = models.PositiveSmallIntegerField(
        _("возраст автомобиля от, лет"), null=True, blank=True
    )
    vehicle_age_max = models.PositiveSmallIntegerField(
        _("возраст автомобиля до, лет"), null=True, blank=True
    )
    exclude_do_not_call = models.BooleanField(_("исключать «не звонить»"), default=True)
    exclude_without_valid_phone = models.BooleanField(
        _("исключать клиентов без действующего телефона"), default=True
    )

    class Meta:
        verbose_name = _("вид выборки")
        verbose_name_plural = _("виды выборок")
        ordering = ["department", "name"]
        # Each department names its own kinds: two departments may both have «Подошло ТО».
        constraints = [
            models.UniqueConstraint(
                fields=["department", "name"],
                name="selectionkind_unique_name_in_department",
                violation_error_message=_("Вид выборки с таким наименованием в этом ЦФО уже есть."),
            )
        ]

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

    code = models.SlugField(_("код"), max_length=40, unique=True)
    name = models.CharField(_("наименование"), max_length=100, unique=True)
    task_type = models.ForeignKey(
        "tasks.TaskType", verbose_name=_("вид задачи"), on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.ForeignKey(
        "worksheets.Purpose", verbose_name=_("цель"), on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(_("используется"), default=True)
    max_rows = models.PositiveIntegerField(_("максимум строк"), default=20000)

    class Meta:
        verbose_name = _("вариант файла импортера")
        verbose_name_plural = _("варианты файлов импортера")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ImporterColumn(models.TextChoices):
    VIN = "vin", "VIN"
    PLATE = "plate", _("Госномер")
    MAKE = "make", _("Марка")
    MODEL = "model", _("Модель")
    YEAR = "year", _("Год выпуска")
    CLIENT_NAME = "client_name", _("Клиент")
    PHONE = "phone", _("Телефон")
    EMAIL = "email", "E-mail"
    SALE_DATE = "sale_date", _("Дата продажи")
    LAST_VISIT = "last_visit", _("Дата последнего визита")
    MILEAGE = "mileage", _("Пробег")
    NEXT_MAINTENANCE = "next_maintenance", _("Дата следующего ТО")
    DEALER_CODE = "dealer_code", _("Код дилера")
    COMMENT = "comment", _("Комментарий")


class ImporterColumnAlias(models.Model):
    """A header name the reader recognises as one of the importer-file columns."""

    variant = models.ForeignKey(
        ImporterVariant, verbose_name=_("вариант"), on_delete=models.CASCADE, related_name="aliases"
    )
    field = models.CharField(_("поле"), max_length=30, choices=ImporterColumn.choices)
    alias = models.CharField(_("название колонки"), max_length=100)

    class Meta:
        verbose_name = _("название колонки")
        verbose_name_plural = _("названия колонок")
        ordering = ["variant", "field", "alias"]
        constraints = [
            models.UniqueConstraint(fields=["variant", "alias"], name="importer_alias_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_field_display()}: {self.alias}"


def importer_files_storage() -> Storage:
    """Where uploaded importer files live: STORAGES["importer_files"] (a shared storage when
    the worker runs on another machine)."""
    return storages["importer_files"]


class LeadBatchQuerySet(models.QuerySet):
    def visible_to(self, user) -> "LeadBatchQuerySet":
        """Batches of the user's departments, and the files they loaded themselves (IT loads
        files for departments it does not belong to and follows them to the end)."""
        if not user.is_authenticated:
            return self.none()
        return filter_by_department(self, user) | self.filter(created_by=user)


class LeadBatch(models.Model):
    """One selection run or one uploaded importer file."""

    class Kind(models.TextChoices):
        SELECTION = "selection", _("Выборка")
        IMPORTER_FILE = "importer_file", _("Файл импортера")

    class Status(models.TextChoices):
        PENDING = "pending", _("В очереди")
        PARSING = "parsing", _("Обрабатывается")
        READY = "ready", _("Готово")
        FAILED = "failed", _("Ошибка")

    kind = models.CharField(_("вид"), max_length=20, choices=Kind.choices)
    branch = models.ForeignKey(
        Branch, verbose_name=_("структурная единица"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("ЦФО"), on_delete=models.PROTECT, related_name="+"
    )
    selection_kind = models.ForeignKey(
        SelectionKind,
        verbose_name=_("вид выборки"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="batches",
    )
    importer_variant = models.ForeignKey(
        ImporterVariant,
        verbose_name=_("вариант файла"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="batches",
    )
    workshop = models.ForeignKey(
        Workshop,
        verbose_name=_("цех"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    period_from = models.DateField(_("период с"), null=True, blank=True)
    period_to = models.DateField(_("период по"), null=True, blank=True)
    file_name = models.CharField(_("файл"), max_length=255, blank=True)
    file = models.FileField(
        _("загруженный файл"),
        upload_to="importer/%Y/%m/",
        storage=importer_files_storage,
        max_length=255,
        blank=True,
    )
    status = models.CharField(
        _("состояние"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    total_rows = models.PositiveIntegerField(_("строк всего"), default=0)
    processed_rows = models.PositiveIntegerField(_("строк обработано"), default=0)
    error = models.TextField(_("ошибка"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("создал"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("создана"), auto_now_add=True)

    objects = LeadBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("пакет лидов")
        verbose_name_plural = _("пакеты лидов")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("run_selection", _("Может запускать выборки")),
            ("upload_importer_file", _("Может загружать файлы импортера")),
        ]

    def __str__(self) -> str:
        source = self.selection_kind or self.importer_variant or self.file_name
        return f"{self.get_kind_display()}: {source} ({self.created_at:%d.%m.%Y})"


class Lead(models.Model):
    """A candidate client of a batch, and what became of it."""

    class Match(models.TextChoices):
        VIN = "vin", _("По VIN")
        PLATE = "plate", _("По госномеру")
        PHONE = "phone", _("По телефону")
        NEW = "new", _("Новый клиент")
        NONE = "none", "—"

    class Result(models.TextChoices):
        PENDING = "pending", _("Не обработан")
        WORKSHEET_CREATED = "worksheet_created", _("Создан рабочий лист")
        TASK_ADDED = "task_added", _("Задача добавлена в существующий рабочий лист")
        SKIPPED = "skipped", _("Пропущен")

    class SkipReason(models.TextChoices):
        """Why «Создать рабочие листы» made nothing of a lead: a fixed list (SPEC §7)."""

        DO_NOT_CALL = "do_not_call", _("Клиент просил не звонить")
        NO_VALID_PHONE = "no_valid_phone", _("Нет действующего телефона")
        TASK_EXISTS = "task_exists", _("Незавершённая задача этого вида уже есть")
        UNUSABLE = "unusable", _("Строка с ошибками")

    # Indexed by lead_batch_row and lead_batch_selected, which lead with it.
    batch = models.ForeignKey(
        LeadBatch,
        verbose_name=_("пакет"),
        on_delete=models.CASCADE,
        related_name="leads",
        db_index=False,
    )
    row_number = models.PositiveIntegerField(_("строка"), null=True, blank=True)
    client = models.ForeignKey(
        "client_history.Client",
        verbose_name=_("контрагент"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    vehicle = models.ForeignKey(
        "client_history.Vehicle",
        verbose_name=_("автомобиль"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    repair_order = models.ForeignKey(
        "client_history.RepairOrder",
        verbose_name=_("заказ-наряд"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    data = models.JSONField(_("данные строки"), default=dict, blank=True)
    last_visit = models.DateField(_("последний визит"), null=True, blank=True)
    mileage = models.PositiveIntegerField(_("последний пробег, км"), null=True, blank=True)
    due_date = models.DateField(_("срок"), null=True, blank=True)
    match = models.CharField(
        _("сопоставление"), max_length=10, choices=Match.choices, default=Match.NONE
    )
    errors = models.JSONField(_("проблемы"), default=list, blank=True)
    is_usable = models.BooleanField(_("можно выбрать"), default=True)
    selected = models.BooleanField(_("выбран"), default=False)
    result = models.CharField(
        _("итог"), max_length=20, choices=Result.choices, default=Result.PENDING
    )
    skip_reason = models.CharField(
        _("причина пропуска"), max_length=200, choices=SkipReason.choices, blank=True
    )
    worksheet = models.ForeignKey(
        "worksheets.Worksheet",
        verbose_name=_("рабочий лист"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    task = models.ForeignKey(
        "tasks.Task",
        verbose_name=_("задача"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("лид")
        verbose_name_plural = _("лиды")
        ordering = ["batch", "row_number", "id"]
        indexes = [
            models.Index(fields=["batch", "selected"], name="lead_batch_selected"),
            # A batch's page of leads in file order, read from the index and stopping after
            # the page, instead of joining every lead of the batch and sorting them (seed M,
            # 2,600 leads: 27 → 2.5 ms).
            models.Index(fields=["batch", "row_number", "id"], name="lead_batch_row"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.row_number or self.id}"

    @property
    def client_name(self) -> str:
        """The matched client's name, else the name the importer file gave."""
        if self.client_id is not None:
            return self.client.name
        return self.data.get("name") or ""

    @property
    def vehicle_name(self) -> str:
        """Make and model of the matched vehicle, else as the file gave them."""
        if self.vehicle_id is not None:
            return " ".join(p for p in (self.vehicle.make, self.vehicle.model) if p)
        return " ".join(p for p in (self.data.get("make"), self.data.get("model")) if p)

    @property
    def vehicle_ident(self) -> str:
        if self.vehicle_id is not None:
            return self.vehicle.plate or self.vehicle.vin
        return self.data.get("plate") or self.data.get("vin") or ""
