from django.urls import path

from analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.analytics, name="analytics"),
    path("export/", views.export, name="export"),
    path("export/my-tasks/", views.export_my_tasks, name="export_my_tasks"),
    path("export/stages/", views.export_stages, name="export_stages"),
    path("export/batches/<int:pk>/", views.export_batch, name="export_batch"),
]
