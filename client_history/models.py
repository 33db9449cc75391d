"""Dealer-management data: clients, vehicles, repair orders and recommendations.

Loaded from the dealer's DMS (`import_dms`) and read by the workstation; only the client's
phones, «не звонить» flag and a vehicle's reported mileage are changed from the CRM.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Length, Replace
from django.db.models.lookups import Exact
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from client_history.forecast import maintenance_forecast_annotations
from crm_workstation.models import Branch, Department, Workshop
from crm_workstation.phones import format_phone, normalise_phone
from crm_workstation.scoping import user_scope

# A car with no history of its own is assumed to travel this much per day.
DEFAULT_KM_PER_DAY = 45
MAINTENANCE_INTERVAL_MONTHS = 12
MAINTENANCE_INTERVAL_KM = 15000


def search_key(text: str) -> str:
    """Case- and ё-insensitive form of a name, compared with LIKE on SQLite and PostgreSQL alike."""
    return " ".join(text.lower().replace("ё", "е").split())


class ClientQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ClientQuerySet":
        """The one rule for who sees a client (SPEC §10), for the workstation and the admin.

        A user sees a client whose home branch is one of theirs, or who has a worksheet in one
        of their departments, or a repair order at one of their branches; a superuser sees all.

        An OR of indexed conditions, each way in an EXISTS (the worksheet's unique
        (client, department) index, the repair order's (client, …) one), so a card looked up
        by its primary key stays an index lookup and no DISTINCT over a join is needed.
        Worksheets live in a higher app: reached through the reverse relation, not imported.
        """
        scope = user_scope(user)
        if scope.all_access:
            return self
        ways_in = []
        if scope.branch_ids:
            ways_in.append(Q(home_branch__in=scope.branch_ids))
        if scope.department_ids:
            worksheet_model = self.model._meta.get_field("worksheets").related_model
            ways_in.append(
                Exists(
                    worksheet_model.objects.filter(
                        client=OuterRef("pk"), department__in=scope.department_ids
                    )
                )
            )
        if scope.branch_ids:
            ways_in.append(
                Exists(
                    RepairOrder.objects.filter(client=OuterRef("pk"), branch__in=scope.branch_ids)
                )
            )
        if not ways_in:
            return self.none()
        condition = ways_in[0]
        for way_in in ways_in[1:]:
            condition |= way_in
        return self.filter(condition)


class Client(models.Model):
    """Контрагент."""

    class Kind(models.TextChoices):
        PERSON = "person", _("Физическое лицо")
        COMPANY = "company", _("Юридическое лицо")

    external_id = models.CharField(_("внешний код"), max_length=64, blank=True)
    name = models.CharField(_("ФИО / наименование"), max_length=300)
    name_search = models.CharField(max_length=300, editable=False, db_index=True)
    kind = models.CharField(_("вид"), max_length=10, choices=Kind.choices, default=Kind.PERSON)
    email = models.EmailField("e-mail", blank=True)
    do_not_call = models.BooleanField(_("не звонить"), default=False)
    home_branch = models.ForeignKey(
        Branch,
        verbose_name=_("структурная единица"),
        on_delete=models.PROTECT,
        related_name="clients",
    )
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["name_search"])
    objects = ClientQuerySet.as_manager()

    class Meta:
        verbose_name = _("контрагент")
        verbose_name_plural = _("контрагенты")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="client_unique_external_id",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name_search = search_key(self.name)
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "name_search"}
        super().save(*args, **kwargs)


def _digits_removed(expression: models.Expression) -> models.Expression:
    """`expression` with the ten digits taken out: REPLACE is the same on SQLite and PostgreSQL,
    where a regex in a CHECK would need a user function on SQLite."""
    for digit in "0123456789":
        expression = Replace(expression, Value(digit), Value(""))
    return expression


class ClientPhone(models.Model):
    """A client's phone: `number` is the valid number as +7XXXXXXXXXX, or empty when what the
    source said (`raw`) is not a valid Russian number; such a phone is always invalid."""

    client = models.ForeignKey(
        Client, verbose_name=_("контрагент"), on_delete=models.CASCADE, related_name="phones"
    )
    number = models.CharField(
        _("номер"),
        max_length=16,
        blank=True,
        db_index=True,
        help_text=_("+7XXXXXXXXXX; пусто, если в источнике не действительный номер"),
    )
    raw = models.CharField(_("как указано в источнике"), max_length=100, blank=True)
    is_primary = models.BooleanField(_("основной"), default=False)
    is_invalid = models.BooleanField(_("недействительный"), default=False)
    note = models.CharField(_("примечание"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("телефон")
        verbose_name_plural = _("телефоны")
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "number"],
                condition=~Q(number=""),
                name="clientphone_unique_number",
            ),
            models.UniqueConstraint(
                fields=["client"], condition=Q(is_primary=True), name="clientphone_one_primary"
            ),
            # +7 and ten digits: twelve characters, starting +7, nothing but the + once the
            # digits are taken out.
            models.CheckConstraint(
                condition=Q(number="")
                | (
                    Q(number__startswith="+7")
                    & Exact(Length("number"), 12)
                    & Exact(_digits_removed(F("number")), Value("+"))
                ),
                name="clientphone_number_e164",
            ),
            models.CheckConstraint(
                condition=~Q(number="") | Q(is_invalid=True),
                name="clientphone_unnormalised_is_invalid",
            ),
            models.CheckConstraint(
                condition=~Q(number="") | ~Q(raw=""),
                name="clientphone_number_or_raw",
            ),
        ]

    def __str__(self) -> str:
        return self.display

    def save(self, *args, **kwargs) -> None:
        self.take_number()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "number" in update_fields:
            kwargs["update_fields"] = {*update_fields, "raw", "is_invalid"}
        super().save(*args, **kwargs)

    def take_number(self) -> None:
        """Read `number` as typed (`8 (916) 123-45-67`): the text is kept in `raw`, `number`
        becomes +7XXXXXXXXXX when valid, else empty with the phone marked invalid."""
        if not self.number:
            if not self.raw:
                return
            typed = self.raw
        else:
            typed = self.number
        normalised = normalise_phone(typed) or ""
        if not self.raw:
            self.raw = typed[: self._meta.get_field("raw").max_length]
        self.number = normalised
        if not normalised:
            self.is_invalid = True

    def clean(self) -> None:
        if not self.number and not self.raw:
            raise ValidationError({"number": gettext("Укажите номер телефона.")})
        if self.number and normalise_phone(self.number) is None:
            raise ValidationError(
                {
                    "number": gettext(
                        "Это не действительный российский номер телефона: "
                        "нужно, например, +7 912 345-67-89."
                    )
                }
            )
        self.take_number()

    @property
    def display(self) -> str:
        """The number as people read it (+7 912 345-67-89), or the source's text when invalid."""
        return format_phone(self.number) if self.number else self.raw


class VehicleQuerySet(models.QuerySet):
    def visible_to(self, user) -> "VehicleQuerySet":
        """Vehicles a user sees: those whose owner they see (`ClientQuerySet.visible_to`), and
        those with a repair order at one of their branches (the branch served the car, even
        for an owner it does not see, e.g. the car's previous owner was its client). A car
        without an owner is seen through its repair orders only; a superuser sees all."""
        scope = user_scope(user)
        if scope.all_access:
            return self
        condition = Exists(Client.objects.visible_to(user).filter(pk=OuterRef("owner_id")))
        if scope.branch_ids:
            condition |= Exists(
                RepairOrder.objects.filter(vehicle=OuterRef("pk"), branch__in=scope.branch_ids)
            )
        return self.filter(condition)

    def with_maintenance_forecast(
        self,
        *,
        interval_months: int = MAINTENANCE_INTERVAL_MONTHS,
        interval_km: int = MAINTENANCE_INTERVAL_KM,
        default_km_per_day: int = DEFAULT_KM_PER_DAY,
        order_kinds: list[str] | tuple[str, ...] = ("maintenance",),
    ) -> "VehicleQuerySet":
        """Each vehicle with its next maintenance (`next_maintenance`) and the readings it
        comes from, computed by the database: one expression for the history's summary and
        the «Подошло ТО» selection (`client_history.forecast`)."""
        queryset = self
        for step in maintenance_forecast_annotations(
            interval_months=interval_months,
            interval_km=interval_km,
            default_km_per_day=default_km_per_day,
            order_kinds=list(order_kinds),
        ):
            queryset = queryset.annotate(**step)
        return queryset


class Vehicle(models.Model):
    """Автомобиль."""

    external_id = models.CharField(_("внешний код"), max_length=64, blank=True)
    vin = models.CharField("VIN", max_length=17, blank=True)
    plate = models.CharField(_("госномер"), max_length=12, blank=True, db_index=True)
    make = models.CharField(_("марка"), max_length=60)
    model = models.CharField(_("модель"), max_length=80, blank=True)
    year = models.PositiveSmallIntegerField(_("год выпуска"), null=True, blank=True)
    sale_date = models.DateField(_("дата продажи"), null=True, blank=True)
    last_mileage = models.PositiveIntegerField(_("последний пробег, км"), null=True, blank=True)
    last_mileage_date = models.DateField(_("дата последнего пробега"), null=True, blank=True)
    owner = models.ForeignKey(
        Client,
        verbose_name=_("владелец"),
        on_delete=models.PROTECT,
        related_name="vehicles",
        null=True,
        blank=True,
    )
    needs_data_check = models.BooleanField(_("требует проверки данных"), default=False)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)

    objects = VehicleQuerySet.as_manager()

    class Meta:
        verbose_name = _("автомобиль")
        verbose_name_plural = _("автомобили")
        ordering = ["make", "model", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vin"], condition=~Q(vin=""), name="vehicle_unique_vin"
            ),
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="vehicle_unique_external_id",
            ),
        ]

    def __str__(self) -> str:
        parts = [self.make, self.model]
        ident = self.plate or self.vin
        if ident:
            parts.append(f"({ident})")
        return " ".join(p for p in parts if p)


class RepairOrder(models.Model):
    """Заказ-наряд from the DMS."""

    class Kind(models.TextChoices):
        MAINTENANCE = "maintenance", _("ТО")
        REPAIR = "repair", _("Ремонт")
        WARRANTY = "warranty", _("Гарантия")
        BODY = "body", _("Кузов")
        TYRES = "tyres", _("Шиномонтаж")
        OTHER = "other", _("Прочее")

    external_id = models.CharField(_("внешний код"), max_length=64, unique=True)
    number = models.CharField(_("номер"), max_length=40)
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
    department = models.ForeignKey(
        Department,
        verbose_name=_("ЦФО"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Indexed by ro_client_opened and ro_client_branch, which lead with it.
    client = models.ForeignKey(
        Client,
        verbose_name=_("контрагент"),
        on_delete=models.PROTECT,
        related_name="repair_orders",
        db_index=False,
    )
    vehicle = models.ForeignKey(
        Vehicle,
        verbose_name=_("автомобиль"),
        on_delete=models.PROTECT,
        related_name="repair_orders",
    )
    opened_at = models.DateField(_("открыт"))
    closed_at = models.DateField(_("закрыт"), null=True, blank=True)
    mileage = models.PositiveIntegerField(_("пробег, км"), null=True, blank=True)
    kind = models.CharField(_("вид"), max_length=20, choices=Kind.choices, default=Kind.REPAIR)
    amount = models.DecimalField(_("сумма, ₽"), max_digits=12, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("заказ-наряд")
        verbose_name_plural = _("заказ-наряды")
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["vehicle", "opened_at"], name="ro_vehicle_opened"),
            models.Index(fields=["client", "opened_at"], name="ro_client_opened"),
            # The client search: is a namesake a client of the user's branches? Answered from
            # the index alone for each of them (seed L: 2,300 namesakes of a common surname).
            models.Index(fields=["client", "branch"], name="ro_client_branch"),
            models.Index(fields=["branch", "closed_at"], name="ro_branch_closed"),
            # «Потерянные клиенты» (also by workshop): the orders opened in a month.
            models.Index(fields=["branch", "opened_at"], name="ro_branch_opened"),
            models.Index(fields=["workshop", "opened_at"], name="ro_workshop_opened"),
            models.Index(fields=["number"], name="ro_number"),
        ]

    def __str__(self) -> str:
        return gettext("%(number)s от %(date)s") % {
            "number": self.number,
            "date": f"{self.opened_at:%d.%m.%Y}",
        }


class RepairOrderLine(models.Model):
    class Kind(models.TextChoices):
        WORK = "work", _("Работа")
        PART = "part", _("Запчасть")

    repair_order = models.ForeignKey(
        RepairOrder, verbose_name=_("заказ-наряд"), on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveSmallIntegerField("№", default=1)
    kind = models.CharField(_("вид"), max_length=10, choices=Kind.choices, default=Kind.WORK)
    name = models.CharField(_("наименование"), max_length=300)
    quantity = models.DecimalField(_("количество"), max_digits=10, decimal_places=2, default=1)
    amount = models.DecimalField(_("сумма, ₽"), max_digits=12, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("строка заказ-наряда")
        verbose_name_plural = _("строки заказ-наряда")
        ordering = ["repair_order", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["repair_order", "position"], name="roline_unique_position"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Recommendation(models.Model):
    """Work the technician recommended in a repair order but was not done."""

    external_id = models.CharField(_("внешний код"), max_length=64, unique=True)
    repair_order = models.ForeignKey(
        RepairOrder,
        verbose_name=_("заказ-наряд"),
        on_delete=models.CASCADE,
        related_name="recommendations",
    )
    vehicle = models.ForeignKey(
        Vehicle,
        verbose_name=_("автомобиль"),
        on_delete=models.CASCADE,
        related_name="recommendations",
    )
    text = models.CharField(_("рекомендация"), max_length=500)
    is_done = models.BooleanField(_("выполнена"), default=False)
    done_in = models.ForeignKey(
        RepairOrder,
        verbose_name=_("выполнена в заказ-наряде"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("рекомендация")
        verbose_name_plural = _("рекомендации")
        ordering = ["is_done", "-repair_order__opened_at", "id"]
        indexes = [models.Index(fields=["vehicle", "is_done"], name="rec_vehicle_done")]

    def __str__(self) -> str:
        return self.text
