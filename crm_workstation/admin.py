"""Admin of the organisation core (branches, departments, workshops, users), and the pieces the
other apps' admins share: scoping to the user's branches and departments, and user choices."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _

from crm_workstation.models import Branch, Department, EmployeeProfile, NumberSequence, Workshop
from crm_workstation.scoping import filter_by_branch, filter_by_department, user_scope

User = get_user_model()


def employees_visible_to(user) -> QuerySet:
    """Active users a form may offer `user` (as executor, responsible…): all for a superuser,
    else the people of the user's own departments."""
    users = User.objects.filter(is_active=True).order_by("last_name", "first_name", "username")
    scope = user_scope(user)
    if scope.all_access:
        return users
    return users.filter(profile__departments__in=scope.department_ids).distinct()


def human_number_q(term: str, field: str = "number") -> Q:
    """A human number typed in full (РЛ-000123) or by its digits (123, 000123)."""
    q = Q(**{field: term.upper()})
    # isdecimal, not isdigit: "²" is a digit that int() refuses; a long run of digits is no
    # number of ours (and int() refuses one over 4300 digits).
    if term.isdecimal() and len(term) <= 12 and int(term):
        q |= Q(**{f"{field}__endswith": f"-{int(term):06d}"})
    return q


def clean_search_term(term: str) -> str:
    """An admin search term without control characters (PostgreSQL refuses NUL), trimmed.

    The changelist's search form already refuses NUL; the autocomplete view passes the term
    through as typed."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in term).split())


class ScopedAdminMixin:
    """Keeps a non-superuser's changelist, object pages and autocompletes inside their scope
    (SPEC §10), and limits the branch, department and user choices of its forms the same way.

    Set `scope_department_field` (a Department FK path) or `scope_branch_field` (a Branch one).
    """

    scope_department_field: str | None = None
    scope_branch_field: str | None = None

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if self.scope_department_field:
            return filter_by_department(queryset, request.user, self.scope_department_field)
        if self.scope_branch_field:
            return filter_by_branch(queryset, request.user, self.scope_branch_field)
        return queryset

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        return super().get_search_results(request, queryset, clean_search_term(search_term))

    def _object_in_scope_or_404(self, request: HttpRequest, object_id: str) -> None:
        """django-simple-history's history pages look the object up without `get_queryset`
        (and show the last historical version of an id they cannot find): check the scope
        first. A superuser still sees the history of a deleted object."""
        object_id = unquote(object_id)
        if self.get_object(request, object_id) is not None:
            return
        if not request.user.is_superuser:
            raise Http404
        try:
            self.model._meta.pk.to_python(object_id)
        except ValidationError:
            raise Http404 from None

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None):
        self._object_in_scope_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context=None
    ):
        self._object_in_scope_or_404(request, object_id)
        if not version_id.isdecimal():  # the history id is an integer
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        related = db_field.related_model
        if related is User:
            kwargs.setdefault("queryset", employees_visible_to(request.user))
        elif related is Department:
            kwargs.setdefault(
                "queryset",
                filter_by_department(
                    Department.objects.select_related("branch"), request.user, "id"
                ),
            )
        elif related is Branch:
            kwargs.setdefault(
                "queryset", filter_by_branch(Branch.objects.all(), request.user, "id")
            )
        elif related is Workshop:
            kwargs.setdefault(
                "queryset", filter_by_branch(Workshop.objects.all(), request.user, "branch")
            )
        elif isinstance(self.admin_site._registry.get(related), ScopedAdminMixin):
            # Clients, vehicles, worksheets, tasks…: an id posted by hand must be one the
            # user could have picked in the autocomplete, so the choices follow that admin.
            related_admin = self.admin_site._registry[related]
            kwargs.setdefault("queryset", related_admin.get_queryset(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class DepartmentInline(admin.TabularInline):
    model = Department
    extra = 0
    can_delete = False
    fields = ("name", "kind")


class WorkshopInline(admin.TabularInline):
    model = Workshop
    extra = 0
    can_delete = False
    fields = ("name",)


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "address", "is_multiservice")
    list_filter = ("is_multiservice",)
    search_fields = ("name", "code", "address")
    ordering = ("name",)
    inlines = (DepartmentInline, WorkshopInline)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "branch", "kind")
    list_filter = ("branch", "kind")
    search_fields = ("name", "branch__name")
    list_select_related = ("branch",)
    ordering = ("branch__name", "name")


@admin.register(Workshop)
class WorkshopAdmin(admin.ModelAdmin):
    list_display = ("name", "branch")
    list_filter = ("branch",)
    search_fields = ("name", "branch__name")
    list_select_related = ("branch",)
    ordering = ("branch__name", "name")


@admin.register(NumberSequence)
class NumberSequenceAdmin(admin.ModelAdmin):
    """The counters behind human numbers: shown for diagnosis, never edited by hand."""

    list_display = ("name", "value")
    ordering = ("name",)

    def get_object(self, request: HttpRequest, object_id: str, from_field=None):
        # The key is text: PostgreSQL refuses a NUL in it rather than finding nothing.
        if "\x00" in object_id:
            return None
        return super().get_object(request, object_id, from_field)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class EmployeeProfileInline(admin.StackedInline):
    model = EmployeeProfile
    can_delete = False
    fields = ("branches", "departments", "phone_extension")
    filter_horizontal = ("branches", "departments")

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "departments":
            # A department's label names its branch: "Сервис (Автоцентр Север)".
            kwargs["queryset"] = Department.objects.select_related("branch").order_by(
                "branch__name", "name"
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


admin.site.unregister(User)


@admin.register(User)
class EmployeeAdmin(UserAdmin):
    """Users with their branches and departments.

    Only a superuser grants superuser status or single permissions, or edits a superuser:
    an IT user manages accounts through the role groups and cannot raise their own rights.
    """

    inlines = (EmployeeProfileInline,)
    list_display = ("username", "full_name", "roles", "is_staff", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups", "profile__branches")
    search_fields = ("username", "first_name", "last_name", "email")
    ordering = ("last_name", "first_name", "username")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("ФИО"), ordering="last_name")
    def full_name(self, obj) -> str:
        return obj.get_full_name()

    @admin.display(description=_("роли"))
    def roles(self, obj) -> str:
        return ", ".join(group.name for group in obj.groups.all())

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_superuser", "user_permissions", "last_login", "date_joined"]
        return readonly

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)
