"""Template tags shared by the workstation's pages: `{% load crm %}`."""

from django import template
from django.template.defaulttags import querystring

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context, page_param: str, number: int) -> str:
    """The current query string with `page_param` set to `number`, the other parameters kept.

    `{% querystring %}` takes the parameter's name literally; a page with several paginated
    lists (`orders_page`, `rec_page`, …) names it in a variable, so the shared pagination
    partial needs this.
    """
    return querystring(context, **{page_param: number})
