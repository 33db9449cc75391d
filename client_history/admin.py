"""Admin of the dealer-management data: searchable and read-mostly.

This data comes from the DMS through `import_dms`, so only a superuser adds or deletes it, and
for everyone else the DMS-owned fields are read-only: the CRM changes only a client's phones
and «не звонить» flag. Tables hold 100k+ rows: every foreign key to them is an autocomplete,
changelists select their related rows in the same query and skip the full count.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from client_history.models import (
    Client,
    ClientPhone,
    Recommendation,
    RepairOrder,
    RepairOrderLine,
    Vehicle,
    search_key,
)
from crm_workstation.admin import ScopedAdminMixin, clean_search_term
from crm_workstation.identifiers import normalise_plate
from crm_workstation.phones import normalise_phone, only_digits


def plate_variants(term: str) -> set[str]:
    """The term as typed, and with Latin look-alikes made Cyrillic (as plates are stored)."""
    compact = term.replace(" ", "").upper()
    return {compact, normalise_plate(compact)}


def client_name_q(term: str, prefix: str = "") -> Q:
    """Every word of `term` appears in the name (case- and ё-insensitive on both databases)."""
    q = Q()
    for word in search_key(term).split():
        q &= Q(**{f"{prefix}name_search__contains": word})
    return q


def vehicle_ident_q(term: str, prefix: str = "") -> Q:
    """The VIN or the plate contains `term`."""
    q = Q(**{f"{prefix}vin__contains": term.upper()})
    for plate in plate_variants(term):
        q |= Q(**{f"{prefix}plate__contains": plate})
    return q


class DmsAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Read-mostly DMS data: add/delete for superusers only, DMS fields read-only for the rest."""

    crm_editable_fields: tuple[str, ...] = ()
    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if request.user.is_superuser:
            return readonly
        dms_owned = [
            f.name
            for f in self.model._meta.fields
            if f.editable and not f.primary_key and f.name not in self.crm_editable_fields
        ]
        return readonly + [name for name in dms_owned if name not in readonly]


class ClientPhoneForm(forms.ModelForm):
    # Typed in any format ("8 (916) 123-45-67" is longer than the stored +7XXXXXXXXXX).
    number = forms.CharField(label=_("номер"), max_length=40)

    class Meta:
        model = ClientPhone
        fields = ("number", "is_primary", "is_invalid", "note")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.instance.number:
            # A number the source gave that is not valid: shown as the source wrote it.
            self.initial["number"] = self.instance.raw

    def clean_number(self) -> str:
        typed = self.cleaned_data["number"]
        if self.instance.pk and not self.instance.number and typed == self.instance.raw:
            return ""  # left as the source wrote it: stays invalid, other fields may change
        number = normalise_phone(typed)
        if number is None:
            raise ValidationError(
                gettext(
                    "Не похоже на российский номер телефона: ожидается, например, +7 912 345-67-89."
                ),
                code="invalid_phone",
            )
        if number != self.instance.number:
            self.instance.raw = typed.strip()
        return number


class ClientPhoneInline(admin.TabularInline):
    model = ClientPhone
    form = ClientPhoneForm
    extra = 0
    fields = ("number", "raw", "is_primary", "is_invalid", "note")
    readonly_fields = ("raw",)


@admin.register(Client)
class ClientAdmin(DmsAdmin, SimpleHistoryAdmin):
    crm_editable_fields = ("do_not_call",)
    list_display = ("name", "primary_phone", "kind", "home_branch", "do_not_call", "external_id")
    list_filter = ("home_branch", "kind", "do_not_call")
    list_select_related = ("home_branch",)
    # Searched by get_search_results; listed so the search box and autocompletes appear.
    search_fields = ("name_search", "phones__number", "external_id")
    search_help_text = _("ФИО или наименование, телефон в любом формате, внешний код.")
    fields = ("name", "kind", "email", "home_branch", "do_not_call", "external_id", "created_at")
    readonly_fields = ("created_at",)
    inlines = (ClientPhoneInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # The one visibility rule (SPEC §10), not a branch field: the changelist, the object
        # pages and every autocomplete that offers a client follow it.
        return super().get_queryset(request).visible_to(request.user).prefetch_related("phones")

    @admin.display(description=_("телефон"))
    def primary_phone(self, obj: Client) -> str:
        phones = list(obj.phones.all())  # prefetched, primary first
        return phones[0].display if phones else "—"

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        term = clean_search_term(search_term)
        if not term:
            return queryset, False
        phone = normalise_phone(term)
        if phone:
            # A whole phone number: the indexed lookup alone, no scan of the names.
            owners = ClientPhone.objects.filter(number=phone).values("client_id")
            return queryset.filter(pk__in=owners), False
        q = client_name_q(term) | Q(external_id=term)
        digits = only_digits(term)
        if len(digits) >= 5:
            q |= Exists(ClientPhone.objects.filter(client=OuterRef("pk"), number__contains=digits))
        return queryset.filter(q), False


@admin.register(Vehicle)
class VehicleAdmin(DmsAdmin):
    list_display = ("__str__", "vin", "plate", "year", "owner", "last_mileage", "last_mileage_date")
    list_filter = ("make", "year", "needs_data_check")
    list_select_related = ("owner",)
    search_fields = ("vin", "plate", "external_id", "owner__name_search")
    search_help_text = _("VIN, госномер, внешний код или имя владельца.")
    ordering = ("-id",)  # the primary key's index: no sort of the whole table per page
    autocomplete_fields = ("owner",)
    fields = (
        "vin",
        "plate",
        "make",
        "model",
        "year",
        "sale_date",
        "last_mileage",
        "last_mileage_date",
        "owner",
        "needs_data_check",
        "external_id",
        "created_at",
    )
    readonly_fields = ("created_at",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).visible_to(request.user)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        term = clean_search_term(search_term)
        if not term:
            return queryset, False
        q = vehicle_ident_q(term) | Q(external_id=term) | client_name_q(term, "owner__")
        return queryset.filter(q), False


class RepairOrderLineInline(admin.TabularInline):
    model = RepairOrderLine
    extra = 0
    can_delete = False
    fields = ("position", "kind", "name", "quantity", "amount")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(RepairOrder)
class RepairOrderAdmin(DmsAdmin):
    scope_branch_field = "branch"
    list_display = (
        "number",
        "opened_at",
        "closed_at",
        "kind",
        "branch",
        "client",
        "vehicle",
        "mileage",
        "amount",
    )
    list_filter = ("branch", "kind", "workshop")
    list_select_related = ("branch", "client", "vehicle")
    date_hierarchy = "opened_at"
    search_fields = ("number", "external_id", "vehicle__vin", "vehicle__plate", "client__name")
    search_help_text = _("Номер, внешний код, VIN или госномер автомобиля, имя клиента.")
    ordering = ("-id",)
    autocomplete_fields = ("client", "vehicle")
    fields = (
        "number",
        "external_id",
        "branch",
        "workshop",
        "department",
        "client",
        "vehicle",
        "opened_at",
        "closed_at",
        "mileage",
        "kind",
        "amount",
    )
    inlines = (RepairOrderLineInline,)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        term = clean_search_term(search_term)
        if not term:
            return queryset, False
        # A UNION of order ids, each found through its own index (number, vehicle, client),
        # rather than an OR that makes the database test every order.
        by_number = RepairOrder.objects.filter(
            Q(number__contains=term.upper()) | Q(external_id=term)
        )
        by_vehicle = RepairOrder.objects.filter(
            vehicle__in=Vehicle.objects.filter(vehicle_ident_q(term)).values("pk")
        )
        by_client = RepairOrder.objects.filter(
            client__in=Client.objects.filter(client_name_q(term)).values("pk")
        )
        ids = (
            by_number.order_by()
            .values("pk")
            .union(by_vehicle.order_by().values("pk"), by_client.order_by().values("pk"))
        )
        return queryset.filter(pk__in=ids), False


@admin.register(Recommendation)
class RecommendationAdmin(DmsAdmin):
    scope_branch_field = "repair_order__branch"
    list_display = ("text", "vehicle", "repair_order", "is_done", "done_in")
    list_filter = ("is_done",)
    list_select_related = ("vehicle", "repair_order", "done_in")
    search_fields = ("text", "repair_order__number", "vehicle__vin", "vehicle__plate")
    search_help_text = _("Текст рекомендации, номер заказ-наряда, VIN или госномер.")
    ordering = ("-id",)
    autocomplete_fields = ("repair_order", "vehicle", "done_in")
    fields = ("text", "repair_order", "vehicle", "is_done", "done_in", "external_id")

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        term = clean_search_term(search_term)
        if not term:
            return queryset, False
        q = (
            Q(text__icontains=term)
            | Q(repair_order__number__icontains=term)
            | vehicle_ident_q(term, "vehicle__")
        )
        return queryset.filter(q), False
