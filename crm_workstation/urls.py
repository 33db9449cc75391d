from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from crm_workstation import health, views

# The database being down shows the 503 page wherever the request met it (views.server_error).
handler500 = "crm_workstation.views.server_error"

admin.site.site_header = _("АРМ менеджер CRM — администрирование")
admin.site.site_title = _("АРМ менеджер CRM")
admin.site.index_title = _("Справочники и настройки")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("clients/", include("client_history.urls")),
    path("tasks/", include("tasks.urls")),
    path("selections/", include("selections.urls")),
    path("analytics/", include("analytics.urls")),
    path("", include("worksheets.urls")),
    path("admin/", admin.site.urls),
]
