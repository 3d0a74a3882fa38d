from django.urls import path

from outreach import views

app_name = "outreach"

urlpatterns = [
    path("confirm/<str:token>/", views.ConfirmPage.as_view(), name="confirm"),
    path("unsubscribe/<str:token>/", views.UnsubscribePage.as_view(), name="unsubscribe"),
]
