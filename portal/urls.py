from django.urls import path

from portal import views

app_name = "portal"

org = "<int:organization_id>/"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-in/<str:token>/", views.sign_in_link, name="link"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("me/", views.my_details, name="me"),
    path(
        "me/registrations/<int:pk>/cancel/",
        views.registration_cancel,
        name="registration-cancel",
    ),
    path(org, views.organization, name="organization"),
    path(f"{org}invoices/", views.invoices, name="invoices"),
    path(f"{org}invoices/<int:pk>/pdf/", views.invoice_pdf, name="invoice-pdf"),
    path(f"{org}payments/<int:pk>/receipt/", views.receipt_pdf, name="receipt-pdf"),
    path(f"{org}statement/", views.statement, name="statement"),
    path(f"{org}statement/pdf/", views.statement_pdf, name="statement-pdf"),
    path(f"{org}statement/<int:year>/pdf/", views.dues_statement_pdf, name="dues-statement"),
    path(f"{org}payment-method/", views.payment_method, name="payment-method"),
    path(
        f"{org}payment-method/setup/",
        views.payment_method_setup,
        name="payment-method-setup",
    ),
    path(
        f"{org}payment-method/saved/",
        views.payment_method_saved,
        name="payment-method-saved",
    ),
    path(f"{org}auto-renew/", views.auto_renew, name="auto-renew"),
    path(
        f"{org}pledge-renewals/<int:pk>/accept/",
        views.pledge_renewal_accept,
        name="pledge-renewal-accept",
    ),
    path(f"{org}events/", views.events, name="events"),
    path(f"{org}events/<int:pk>/register/", views.event_register, name="event-register"),
    path(
        f"{org}registrations/<int:pk>/cancel/",
        views.event_registration_cancel,
        name="org-registration-cancel",
    ),
    path(f"{org}directory/", views.directory, name="directory"),
    path(f"{org}plan/", views.plan, name="plan"),
    path(f"{org}colleagues/", views.colleagues, name="colleagues"),
    path(f"{org}colleagues/<int:pk>/remove/", views.colleague_remove, name="colleague-remove"),
    path(f"{org}colleagues/<int:pk>/confirm/", views.colleague_confirm, name="colleague-confirm"),
    path(f"{org}colleagues/<int:pk>/decline/", views.colleague_decline, name="colleague-decline"),
    path(
        f"{org}colleagues/<int:pk>/make-primary/",
        views.colleague_make_primary,
        name="colleague-primary",
    ),
]
