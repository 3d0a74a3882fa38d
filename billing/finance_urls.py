from django.contrib import admin
from django.urls import path

from billing import finance_views

urlpatterns = [
    path("", admin.site.admin_view(finance_views.reports_index), name="finance-reports"),
    path("<slug:slug>/", admin.site.admin_view(finance_views.report), name="finance-report"),
]
