"""`{% importer_upload_form %}`: the «Загрузить из файла» form wherever the tab shows it."""

from django import template

from selections.importer.views import upload_form

register = template.Library()


@register.simple_tag(takes_context=True)
def importer_upload_form(context):
    return upload_form(context["request"].user)
