"""What a user may see: the one home of access scoping.

A user sees the data of the branches and departments in their employee profile; a superuser
sees everything. The ids are read once per user object and cached on it.
"""

from django.contrib.auth.models import AnonymousUser, User

_CACHE_ATTR = "_crm_scope"


class Scope:
    def __init__(
        self, *, all_access: bool, branch_ids: frozenset[int], department_ids: frozenset[int]
    ):
        self.all_access = all_access
        self.branch_ids = branch_ids
        self.department_ids = department_ids


def user_scope(user: User | AnonymousUser) -> Scope:
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if not user.is_authenticated or not user.is_active:
        scope = Scope(all_access=False, branch_ids=frozenset(), department_ids=frozenset())
    elif user.is_superuser:
        scope = Scope(all_access=True, branch_ids=frozenset(), department_ids=frozenset())
    else:
        from crm_workstation.models import Branch, Department

        branch_ids = frozenset(
            Branch.objects.filter(employeeprofile__user=user).values_list("id", flat=True)
        )
        department_ids = frozenset(
            Department.objects.filter(employeeprofile__user=user).values_list("id", flat=True)
        )
        scope = Scope(all_access=False, branch_ids=branch_ids, department_ids=department_ids)
    setattr(user, _CACHE_ATTR, scope)
    return scope


def filter_by_branch(queryset, user, field: str = "branch"):
    """Restrict `queryset` to rows whose `field` (a Branch FK path) is one of the user's branches."""
    scope = user_scope(user)
    if scope.all_access:
        return queryset
    return queryset.filter(**{f"{field}__in": scope.branch_ids})


def filter_by_department(queryset, user, field: str = "department"):
    """Restrict `queryset` to rows whose `field` (a Department FK path) is one of the user's departments."""
    scope = user_scope(user)
    if scope.all_access:
        return queryset
    return queryset.filter(**{f"{field}__in": scope.department_ids})
