from django.urls import path

from client_history import views

app_name = "client_history"

urlpatterns = [
    path("", views.client_search, name="client_search"),
    path("<int:pk>/", views.client_card, name="client_card"),
    path("<int:pk>/do-not-call/", views.client_set_do_not_call, name="client_set_do_not_call"),
    path("<int:pk>/history/", views.client_history, name="client_history"),
    path("vehicles/<int:pk>/", views.vehicle_card, name="vehicle_card"),
    path("vehicles/<int:pk>/history/", views.vehicle_history, name="vehicle_history"),
    path("orders/<int:pk>/", views.repair_order, name="repair_order"),
]
