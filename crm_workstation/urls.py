from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from crm_workstation import views

admin.site.site_header = "АРМ менеджер CRM — администрирование"
admin.site.site_title = "АРМ менеджер CRM"
admin.site.index_title = "Справочники и настройки"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("clients/", include("client_history.urls")),
    path("admin/", admin.site.urls),
]
