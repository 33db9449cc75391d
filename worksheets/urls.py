from django.urls import path

from worksheets import views

app_name = "worksheets"

urlpatterns = [
    path("stages/", views.stages, name="stages"),
    path("worksheets/<int:pk>/", views.worksheet_window, name="worksheet_window"),
    path(
        "worksheets/<int:pk>/responsible/",
        views.worksheet_set_responsible,
        name="worksheet_set_responsible",
    ),
]
