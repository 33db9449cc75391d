"""Query helpers shared by the apps' selectors."""

from django.db.models import Model, QuerySet


def get_by_pk(queryset: QuerySet, pk) -> Model:
    """`queryset.get(pk=pk)` without its LIMIT 21: a primary key finds one row at most, and
    the LIMIT has PostgreSQL weigh every order of the select_related joins for a fast start
    as well — for a window's row with eight to ten related tables, planning took several
    times as long as reading it (seed M, the task window's task: 8 ms → 2.6 ms in all).
    DoesNotExist when the row is not in `queryset`."""
    rows = list(queryset.filter(pk=pk))
    if not rows:
        raise queryset.model.DoesNotExist(f"{queryset.model.__name__} {pk} not found")
    return rows[0]
