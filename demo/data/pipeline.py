"""The demo's pipeline: how many prospects stand at each stage, what account staff set themselves
to do, and what they noted of their calls and meetings."""

# (stage, how many): each walks there from "lead", as staff would move it.
PROSPECT_STAGES = (
    ("lead", 3),
    ("contacted", 3),
    ("proposal", 3),
    ("won", 2),
    ("lost", 2),
)
# The annual amounts proposed, dues or investment (dollars).
AMOUNTS = ("5000", "7500", "10000", "15000", "25000", "35000")
# How many of the prospects wrote in through the website first (a contact-form inquiry).
FROM_THE_WEBSITE = 3

# (title, days from today it is due): overdue, this week and later.
TASKS = (
    ("Call about the renewal", -6),
    ("Send the investment proposal", -1),
    ("Invite to the Business Breakfast", 0),
    ("Follow up on the sponsorship question", 3),
    ("Quarterly check-in", 6),
    ("Introduce to the workforce committee", 14),
)

# (kind, summary)
INTERACTIONS = (
    ("call", "Called the owner; happy with the member directory listing."),
    (
        "meeting",
        "Coffee at their office: hiring 20 people next year, asked about workforce grants.",
    ),
    ("email", "Sent the annual report and the investor benefits sheet."),
    ("event", "Came to the Legislative Breakfast with two colleagues."),
    ("call", "Asked why the renewal invoice went up; explained the employee brackets."),
)
