"""The benefits the demo chamber's plans and investor levels grant, and which events its
complimentary seats are for."""

# (code, name, kind, counted, event tag, description)
BENEFITS = (
    (
        "annual-meeting-seats",
        "Annual Meeting seats",
        "event_seats",
        True,
        "annual-meeting",
        "Complimentary seats at the Annual Meeting & Awards Luncheon.",
    ),
    (
        "breakfast-seats",
        "Economic Outlook Breakfast seats",
        "event_seats",
        True,
        "breakfast",
        "Complimentary seats at the Members' Economic Outlook Breakfast.",
    ),
    (
        "sponsor-recognition",
        "Recognition at signature events",
        "recognition",
        True,
        "",
        "The logo on the screens and the program of a signature event.",
    ),
    (
        "newsletter-spotlight",
        "Spotlight in the member newsletter",
        "other",
        True,
        "",
        "A paragraph and a link in the weekly member newsletter.",
    ),
    (
        "featured-listing",
        "Featured directory listing",
        "directory",
        False,
        "",
        "Listed first, with a logo, in the member directory.",
    ),
    (
        "employee-pricing",
        "Member pricing for employees",
        "member_pricing",
        False,
        "",
        "Every employee registers for events at the member price.",
    ),
)

# Investor level or plan code -> (benefit code, how many a term).
LEVEL_GRANTS = {
    "investor": (
        ("annual-meeting-seats", 2),
        ("breakfast-seats", 2),
        ("sponsor-recognition", 1),
        ("newsletter-spotlight", 1),
    ),
    "leadership": (
        ("annual-meeting-seats", 10),
        ("breakfast-seats", 4),
        ("sponsor-recognition", 3),
        ("newsletter-spotlight", 2),
        ("featured-listing", 1),
    ),
    "chairmans-circle": (
        ("annual-meeting-seats", 10),
        ("breakfast-seats", 8),
        ("sponsor-recognition", 6),
        ("newsletter-spotlight", 4),
        ("featured-listing", 1),
    ),
}
PLAN_GRANTS = {
    "small-business": (("employee-pricing", 1),),
    "business": (("employee-pricing", 1), ("breakfast-seats", 1)),
    "corporate": (("employee-pricing", 1), ("breakfast-seats", 2), ("featured-listing", 1)),
}

# Event slug -> its tags (what complimentary seats are good for).
EVENT_TAGS = {
    "annual-meeting-awards-luncheon": "annual-meeting",
    "economic-outlook-breakfast": "breakfast",
}
# The share of investors who used nothing yet this term (the report's renewal risks).
UNUSED_SHARE = 0.3
