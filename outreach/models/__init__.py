from outreach.models.lists import NewsletterList
from outreach.models.subscribers import ConsentRecord, Subscriber, Subscription

__all__ = ["ConsentRecord", "NewsletterList", "Subscriber", "Subscription"]
