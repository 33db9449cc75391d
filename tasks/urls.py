from django.urls import path

from tasks import views

app_name = "tasks"

urlpatterns = [
    path("", views.my_tasks, name="my_tasks"),
    path("view/", views.my_tasks_set_view, name="my_tasks_set_view"),
    path("reminder/", views.reminder, name="reminder"),
    path("next/", views.next_task, name="next_task"),
    path("<int:pk>/", views.task_window, name="task_window"),
    path("<int:pk>/fill/", views.fill_candidates, name="fill_candidates"),
    path("reassign/", views.tasks_reassign, name="tasks_reassign"),
    path("worksheet/<int:pk>/involve/", views.worksheet_involve, name="worksheet_involve"),
]
