from django.urls import path

from client_history import views

app_name = "client_history"

urlpatterns = [
    path("", views.client_search, name="client_search"),
]
