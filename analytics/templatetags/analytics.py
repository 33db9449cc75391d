"""How «Аналитика» writes its figures: thin spaces between thousands, hours for durations."""

import datetime as dt
from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def figure(value, unit: str = "") -> str:
    """A figure as the page shows it: 12 345, 41,5 %, 3,2 ч, 1 250 ₽; «—» when unknown."""
    if value is None:
        return "—"
    if isinstance(value, dt.timedelta):
        value, unit = round(value.total_seconds() / 3600, 1), unit or "ч"
    if isinstance(value, Decimal):
        value = int(value.quantize(Decimal("1")))
    if isinstance(value, float):
        text = f"{value:,.1f}"
    else:
        text = f"{value:,}"
    text = text.replace(",", "\u202f").replace(".", ",")
    return f"{text}\u00a0{unit}" if unit else text
