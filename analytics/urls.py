from django.urls import path

from analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.analytics, name="analytics"),
    path("export/<slug:block>.xlsx", views.export, name="export"),
]
