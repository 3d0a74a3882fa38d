from django.urls import path

from crm import views

app_name = "crm"

urlpatterns = [
    path("", views.HomePage.as_view(), name="home"),
    path("directory/<int:pk>/logo/<str:name>", views.directory_logo, name="directory-logo"),
]
