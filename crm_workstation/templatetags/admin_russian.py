"""The admin templates' declined model names (`crm_workstation.admin_grammar`)."""

from django import template

from crm_workstation import admin_grammar as grammar

register = template.Library()


@register.simple_tag
def model_noun(opts, form: str = "one") -> str:
    """A form of the model's name: «задачу» for `{% model_noun opts "acc" %}`."""
    return getattr(grammar.noun_for(opts), form)


@register.simple_tag
def model_count(count: int, opts) -> str:
    """«1 вид задачи», «2 вида задачи», «7 видов задач»."""
    return grammar.noun_for(opts).count(count)
