from django.urls import path

from crm import views

app_name = "crm"

urlpatterns = [
    path("", views.HomePage.as_view(), name="home"),
    path("join/", views.JoinPage.as_view(), name="join"),
    path("join/<str:reference>/", views.JoinStatusPage.as_view(), name="join-status"),
    path("invest/", views.InvestPage.as_view(), name="invest"),
    path("invest/<str:reference>/", views.InvestStatusPage.as_view(), name="invest-status"),
    path("directory/", views.DirectoryPage.as_view(), name="directory"),
]
