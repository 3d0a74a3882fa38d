"""What every portal page shares: the signed-in contact of the session, the decorators that
require one (and the right at an organization), and rendering a portal page."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from crm.models import Affiliation, Contact
from portal.models import PortalAccount
from portal.permissions import Can, access, may

SESSION_KEY = "portal_contact_id"
View = Callable[..., HttpResponse]


def signed_in_contact(request: HttpRequest) -> Contact | None:
    """The contact of the portal session: None when nobody signed in, or when the contact's
    portal user has since been deactivated or made staff (that ends the session)."""
    pk = request.session.get(SESSION_KEY)
    if pk is None:
        return None
    account = (
        PortalAccount.objects.select_related("contact")
        .filter(
            contact_id=pk,
            user__is_active=True,
            user__is_staff=False,
            user__is_superuser=False,
        )
        .first()
    )
    if account is None:
        request.session.pop(SESSION_KEY, None)
        return None
    return account.contact


def contact_required(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        contact = signed_in_contact(request)
        if contact is None:
            return redirect("portal:sign-in")
        request.portal_contact = contact  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped


def render_page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200):
    contact = getattr(request, "portal_contact", None)
    return render(
        request,
        f"portal/{template}.html",
        {"portal_contact": contact, **context},
        status=status,
    )


def organization_page(what: Can) -> Callable[[View], View]:
    """The view runs only for a signed-in contact who may do `what` at the organization of
    the URL; it receives the contact's affiliation there."""

    def decorate(view: View) -> View:
        @contact_required
        @wraps(view)
        def wrapped(request: HttpRequest, organization_id: int, **kwargs: Any) -> HttpResponse:
            try:
                affiliation = access(request.portal_contact, organization_id, what)  # type: ignore[attr-defined]
            except PermissionDenied as exc:
                return render_page(request, "forbidden", {"message": str(exc)}, status=403)
            return view(request, affiliation, **kwargs)

        return wrapped

    return decorate


def org_context(affiliation: Affiliation, tab: str) -> dict[str, Any]:
    return {
        "tab": tab,
        "affiliation": affiliation,
        "organization": affiliation.organization,
        "may_bill": may(affiliation, Can.BILLING),
        "may_colleagues": may(affiliation, Can.COLLEAGUES),
        "may_directory": may(affiliation, Can.DIRECTORY),
        "may_plan": may(affiliation, Can.PLAN),
        "may_register_colleagues": may(affiliation, Can.REGISTER_COLLEAGUES),
    }
