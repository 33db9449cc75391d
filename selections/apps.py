from django.apps import AppConfig


class SelectionsConfig(AppConfig):
    name = "selections"
    verbose_name = "Выборки"
