from outreach.admin.lists import NewsletterListAdmin, SubscriberAdmin, SubscriptionAdmin

__all__ = ["NewsletterListAdmin", "SubscriberAdmin", "SubscriptionAdmin"]
