"""The demo's industries: the patterns their businesses are named by, their sizes, what they do,
how common they are; and the public partners the chamber bills on a plan of their own."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Industry:
    name: str
    patterns: tuple[str, ...]
    employees: tuple[int, int]
    # what it does, for the directory text: "{name} ..." continues with this.
    blurb: tuple[str, ...]
    weight: int
    nonprofit: bool = False
    # Names for a business of more than LARGE employees (nobody runs a 900-person "Family Dental").
    large: tuple[str, ...] = ()


LARGE = 150


INDUSTRIES: tuple[Industry, ...] = (
    Industry(
        "Accounting",
        ("{Last} & {Last2} CPAs", "{Last} {Last2} & Company", "{Town} Tax & Accounting"),
        (2, 60),
        (
            "prepares tax returns and audits for closely held businesses and nonprofits",
            "offers accounting, payroll and business advisory services to owner-managed firms",
        ),
        14,
    ),
    Industry(
        "Legal services",
        ("{Last} & {Last2} LLP", "Law Offices of {First} {Last}", "{Last} {Last2} LLC"),
        (1, 140),
        (
            "advises businesses on employment, real estate and commercial matters",
            "represents families and small businesses in estate planning and litigation",
        ),
        14,
        large=("{Last} & {Last2} LLP", "{Last} {Last2} LLC"),
    ),
    Industry(
        "Banking & finance",
        ("{Town} Savings Bank", "{Region} Federal Credit Union", "{Last} Wealth Advisors"),
        (8, 900),
        (
            "offers business lending, cash management and personal banking",
            "helps families and business owners plan for retirement and succession",
        ),
        9,
        large=("{Town} Savings Bank", "{Region} Bank & Trust", "{Region} Federal Credit Union"),
    ),
    Industry(
        "Insurance",
        ("{Last} Insurance Agency", "{Region} Mutual Insurance Group", "{Last} & Sons Insurance"),
        (3, 2600),
        (
            "writes commercial property, liability and workers' compensation coverage",
            "insures homes, autos and small businesses across central Connecticut",
        ),
        9,
        large=(
            "{Region} Mutual Insurance Group",
            "{Region} Insurance Company",
            "{Noun} Life & Annuity",
        ),
    ),
    Industry(
        "Healthcare",
        (
            "{Town} Family Dental",
            "{Town} Physical Therapy",
            "{Region} Orthopaedic Associates",
            "{Town} Pediatrics",
            "{Region} Health Partners",
        ),
        (4, 3200),
        (
            "provides primary and specialty care close to home",
            "treats patients of every age with same-week appointments",
        ),
        14,
        large=(
            "{Region} Health Partners",
            "{Region} Medical Group",
            "{Region} Orthopaedic Associates",
        ),
    ),
    Industry(
        "Manufacturing",
        (
            "{Last} Precision Machining",
            "{Region} Tool & Die",
            "{Region} Aerospace Components",
            "{Last} Metal Finishing",
            "{Noun} Plastics",
        ),
        (12, 1400),
        (
            "machines precision parts for aerospace, medical and defense customers",
            "makes components for jet engines and industrial equipment",
        ),
        14,
        large=("{Region} Aerospace Components", "{Region} Industries", "{Noun} Precision Group"),
    ),
    Industry(
        "Construction & trades",
        (
            "{Last} Builders",
            "{Last} Electric",
            "{Town} Plumbing & Heating",
            "{Last} Brothers Construction",
            "{Noun} Roofing & Siding",
        ),
        (3, 220),
        (
            "builds and renovates commercial and institutional buildings",
            "handles electrical, heating and plumbing work for homes and businesses",
        ),
        14,
        large=("{Last} Brothers Construction", "{Region} Construction Group"),
    ),
    Industry(
        "Real estate",
        ("{Last} Realty Group", "{Town} Commercial Properties", "{Noun} Property Management"),
        (2, 80),
        (
            "leases and manages office, retail and industrial space",
            "helps businesses find, buy and lease the right space",
        ),
        8,
    ),
    Industry(
        "Restaurants & hospitality",
        (
            "{Town} Tavern",
            "The {Noun} Café",
            "{Last}'s Pizzeria",
            "{Town} Inn & Suites",
            "{Noun} Catering Company",
        ),
        (4, 120),
        (
            "serves lunch and dinner and caters business events",
            "welcomes travelers and hosts meetings and weddings",
        ),
        12,
        large=("{Town} Inn & Suites", "{Region} Hospitality Group"),
    ),
    Industry(
        "Retail",
        ("{Town} Hardware", "{Noun} & {Noun2} Gifts", "{Last} Jewelers", "{Town} Bicycle Works"),
        (2, 60),
        (
            "is an independent shop serving its neighbors for decades",
            "sells and services what its neighbors need, with advice included",
        ),
        10,
    ),
    Industry(
        "Technology",
        (
            "{Noun}Works Software",
            "{Region} IT Solutions",
            "{Noun}point Data",
            "{Last} Systems",
            "{Noun} Cyber Security",
        ),
        (2, 350),
        (
            "builds software and runs managed IT and cloud services for growing companies",
            "protects small and mid-sized businesses from cyber threats",
        ),
        12,
        large=("{Region} IT Solutions", "{Noun} Technologies", "{Noun}Works Software"),
    ),
    Industry(
        "Marketing & media",
        ("{Noun} Creative", "{Last} Communications", "{Region} Media Group"),
        (1, 70),
        (
            "designs brands, websites and campaigns for regional businesses",
            "handles public relations and digital marketing for clients across New England",
        ),
        9,
    ),
    Industry(
        "Engineering & architecture",
        ("{Last} {Last2} Architects", "{Last} Engineering Associates", "{Region} Surveying"),
        (3, 180),
        (
            "designs schools, offices and civic buildings",
            "provides civil and structural engineering for public and private clients",
        ),
        8,
        large=("{Last} Engineering Associates", "{Last} {Last2} Architects"),
    ),
    Industry(
        "Transportation & logistics",
        ("{Last} Trucking", "{Region} Freight & Logistics", "{Town} Limousine & Coach"),
        (5, 450),
        (
            "moves freight across the Northeast from its terminal off I-91",
            "runs warehousing and last-mile delivery for regional shippers",
        ),
        6,
        large=("{Region} Freight & Logistics", "{Last} Trucking"),
    ),
    Industry(
        "Energy & utilities",
        ("{Region} Solar", "{Last} Oil & Propane", "{Region} Energy Services"),
        (4, 600),
        (
            "installs solar arrays and battery storage for businesses and towns",
            "delivers heating fuel and services boilers across the region",
        ),
        5,
        large=("{Region} Energy Services", "{Region} Solar"),
    ),
    Industry(
        "Staffing & HR",
        ("{Region} Staffing Partners", "{Last} HR Consulting", "{Noun} Talent Group"),
        (2, 120),
        (
            "places skilled workers with manufacturers and offices",
            "runs recruiting and HR for companies too small for their own department",
        ),
        6,
    ),
    Industry(
        "Consulting",
        ("{Last} Consulting", "{Last} Advisory Group", "{First} {Last} Coaching"),
        (1, 25),
        (
            "advises owners on strategy, operations and growth",
            "coaches leaders and teams through change",
        ),
        9,
    ),
    Industry(
        "Automotive",
        ("{Town} Auto Body", "{Last} Motors", "{Town} Tire & Service"),
        (4, 140),
        (
            "sells and services cars and light trucks",
            "repairs collision damage and keeps fleets on the road",
        ),
        5,
    ),
    Industry(
        "Education",
        ("{Town} Montessori School", "{Region} Technical Institute", "{Noun} Learning Center"),
        (6, 500),
        (
            "teaches children and adults, with programs built with local employers",
            "trains the region's next machinists, nurses and technicians",
        ),
        5,
        large=("{Region} Technical Institute", "{Region} Community College"),
    ),
    Industry(
        "Nonprofit",
        (
            "{Town} Community Foundation",
            "{Region} Food Share",
            "{Town} Historical Society",
            "Friends of the {Town} Library",
            "{Region} Arts Council",
            "{Town} Youth Services",
            "{Region} Habitat for Humanity",
            "{Town} Land Trust",
        ),
        (1, 180),
        (
            "serves its neighbors with programs run by staff and volunteers",
            "brings people together through the arts, history and service",
        ),
        16,
        nonprofit=True,
        large=("{Region} Food Share", "{Region} Family Services", "{Region} Habitat for Humanity"),
    ),
)

NOUNS = (
    "Oak",
    "Harbor",
    "Summit",
    "Keystone",
    "Bridge",
    "Meadow",
    "Lantern",
    "Compass",
    "Granite",
    "Maple",
    "Falcon",
    "Cedar",
    "Anchor",
    "Beacon",
    "Pioneer",
    "Orchard",
    "Ridge",
    "Willow",
    "Copper",
    "Northstar",
)

# Partners the chamber bills on a plan it does not offer on its website: name, industry, staff.
PUBLIC_PARTNERS = (
    ("{Municipality} of {Town} Economic Development", "Government", (3, 12)),
    ("{Town} Public Schools", "Education", (250, 1400)),
    ("{Town} Public Library", "Government", (12, 70)),
)
