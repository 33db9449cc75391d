from django.urls import path

from selections import views
from selections.importer import views as importer_views

app_name = "selections"

urlpatterns = [
    path("", views.selections, name="selections"),
    path("run/", views.run, name="run"),
    path("batches/<int:pk>/", views.batch, name="batch"),
    path("batches/<int:pk>/select/", views.batch_select, name="batch_select"),
    path("batches/<int:pk>/create/", views.batch_create, name="batch_create"),
    path("upload/", importer_views.importer_upload, name="importer_upload"),
    path("batches/<int:pk>/progress/", importer_views.importer_progress, name="importer_progress"),
]
