from django.urls import path

from crm import views

app_name = "crm"

urlpatterns = [
    path("", views.HomePage.as_view(), name="home"),
    path("invest/", views.InvestPage.as_view(), name="invest"),
    path("invest/<str:reference>/", views.InvestStatusPage.as_view(), name="invest-status"),
    path("directory/", views.DirectoryPage.as_view(), name="directory"),
    path("directory/<int:pk>/logo/<str:name>", views.directory_logo, name="directory-logo"),
]
