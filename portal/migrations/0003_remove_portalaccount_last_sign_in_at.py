"""PortalAccount.last_sign_in_at repeated crm's PortalSignIn rows, the one record of sign-ins:
the field goes, and "last signed in" is read from PortalSignIn.

PortalSignIn does not hold every sign-in the field saw: the portal recorded sign-ins only in
this field until crm's 0015 (benefits) added PortalSignIn, so a database signed in to before
then has accounts whose last sign-in has no row. Those rows are written here first (one per
such account, at its last_sign_in_at), so that no "last signed in" is lost; an account that
already has a sign-in at or after it gets none. Reversed, the field is filled again from the
latest PortalSignIn of each contact."""

from django.db import migrations, models
from django.db.models import Exists, Max, OuterRef


def keep_last_sign_ins(apps, schema_editor):
    PortalAccount = apps.get_model("portal", "PortalAccount")
    PortalSignIn = apps.get_model("crm", "PortalSignIn")
    recorded = PortalSignIn.objects.filter(
        contact_id=OuterRef("contact_id"), signed_in_at__gte=OuterRef("last_sign_in_at")
    )
    missing = (
        PortalAccount.objects.filter(last_sign_in_at__isnull=False)
        .exclude(Exists(recorded))
        .values_list("contact_id", "last_sign_in_at")
    )
    PortalSignIn.objects.bulk_create(
        [PortalSignIn(contact_id=contact, signed_in_at=at) for contact, at in missing.iterator()],
        batch_size=1000,
    )


def restore_last_sign_ins(apps, schema_editor):
    PortalAccount = apps.get_model("portal", "PortalAccount")
    PortalSignIn = apps.get_model("crm", "PortalSignIn")
    latest = (
        PortalSignIn.objects.filter(contact_id=OuterRef("contact_id"))
        .values("contact_id")
        .annotate(at=Max("signed_in_at"))
        .values("at")
    )
    PortalAccount.objects.update(last_sign_in_at=models.Subquery(latest[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0017_directory_listing"),
        ("portal", "0002_directory_review"),
    ]

    operations = [
        migrations.RunPython(keep_last_sign_ins, restore_last_sign_ins),
        migrations.RemoveField(model_name="portalaccount", name="last_sign_in_at"),
    ]
