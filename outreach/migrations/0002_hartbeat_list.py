from django.db import migrations

HARTBEAT = {
    "code": "hartbeat",
    "name": "The HartBeat",
    "description": "The MetroHartford Alliance's daily brief: the region's business news, "
    "events and opportunities, every weekday morning.",
    "consent_wording": "Please sign me up for the HartBeat, the MetroHartford Alliance's daily "
    "brief. I understand I may unsubscribe at any time.",
    "is_public": True,
}


def create_hartbeat(apps, schema_editor):
    NewsletterList = apps.get_model("outreach", "NewsletterList")
    NewsletterList.objects.get_or_create(code=HARTBEAT["code"], defaults=HARTBEAT)


def remove_hartbeat(apps, schema_editor):
    NewsletterList = apps.get_model("outreach", "NewsletterList")
    NewsletterList.objects.filter(code=HARTBEAT["code"], subscriptions__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("outreach", "0001_newsletters_subscribers_consent")]

    operations = [migrations.RunPython(create_hartbeat, remove_hartbeat)]
