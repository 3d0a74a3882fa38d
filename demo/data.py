"""The raw material the demo draws its businesses and people from: real towns of Hartford,
Middlesex and Tolland counties with their postal codes and some of their streets, names, and
business name patterns by industry. Websites and mail live under the reserved `.example` domain
and telephone numbers in the fictional 555 exchange, so nothing here reaches a real business."""

from dataclasses import dataclass

from crm.models import County


@dataclass(frozen=True)
class Town:
    name: str
    county: str
    postal_codes: tuple[str, ...]
    streets: tuple[str, ...]
    weight: int  # how many businesses it has, roughly


TOWNS: tuple[Town, ...] = (
    # Hartford County
    Town(
        "Hartford",
        County.HARTFORD,
        ("06103", "06105", "06106", "06114", "06120"),
        (
            "Asylum Street",
            "Pearl Street",
            "Main Street",
            "Trumbull Street",
            "Constitution Plaza",
            "Farmington Avenue",
            "Columbus Boulevard",
            "Capitol Avenue",
        ),
        34,
    ),
    Town(
        "West Hartford",
        County.HARTFORD,
        ("06107", "06110", "06117", "06119"),
        ("Farmington Avenue", "LaSalle Road", "South Main Street", "Park Road", "Raymond Road"),
        20,
    ),
    Town(
        "East Hartford",
        County.HARTFORD,
        ("06108", "06118"),
        ("Main Street", "Silver Lane", "Burnside Avenue", "Prestige Park Road", "Founders Plaza"),
        13,
    ),
    Town(
        "Glastonbury",
        County.HARTFORD,
        ("06033",),
        ("Main Street", "Hebron Avenue", "New London Turnpike", "Glastonbury Boulevard"),
        12,
    ),
    Town(
        "Manchester",
        County.HARTFORD,
        ("06040", "06042"),
        ("Main Street", "Tolland Turnpike", "Buckland Street", "Center Street", "Spencer Street"),
        12,
    ),
    Town(
        "New Britain",
        County.HARTFORD,
        ("06050", "06051", "06052", "06053"),
        ("Main Street", "West Main Street", "Broad Street", "Stanley Street", "Columbus Boulevard"),
        11,
    ),
    Town(
        "Bristol",
        County.HARTFORD,
        ("06010",),
        ("North Main Street", "Farmington Avenue", "Riverside Avenue", "Middle Street"),
        9,
    ),
    Town(
        "Windsor",
        County.HARTFORD,
        ("06095",),
        ("Broad Street", "Day Hill Road", "Poquonock Avenue", "International Drive"),
        9,
    ),
    Town(
        "Wethersfield",
        County.HARTFORD,
        ("06109",),
        ("Silas Deane Highway", "Main Street", "Berlin Turnpike", "Wolcott Hill Road"),
        7,
    ),
    Town(
        "Simsbury",
        County.HARTFORD,
        ("06070",),
        ("Hopmeadow Street", "Iron Horse Boulevard", "Wilcox Street"),
        6,
    ),
    Town(
        "Farmington",
        County.HARTFORD,
        ("06032",),
        ("Farmington Avenue", "Scott Swamp Road", "Talcott Notch Road", "Main Street"),
        10,
    ),
    Town(
        "Avon",
        County.HARTFORD,
        ("06001",),
        ("West Main Street", "Simsbury Road", "Waterville Road", "Climax Road"),
        6,
    ),
    Town(
        "Enfield",
        County.HARTFORD,
        ("06082",),
        ("Hazard Avenue", "Elm Street", "Enfield Street", "Phoenix Avenue"),
        7,
    ),
    Town(
        "Newington",
        County.HARTFORD,
        ("06111",),
        ("Berlin Turnpike", "Main Street", "Cedar Street", "Fenn Road"),
        5,
    ),
    Town(
        "Rocky Hill",
        County.HARTFORD,
        ("06067",),
        ("Cromwell Avenue", "Silas Deane Highway", "Corporate Place", "Main Street"),
        6,
    ),
    Town(
        "Bloomfield",
        County.HARTFORD,
        ("06002",),
        ("Park Avenue", "Cottage Grove Road", "Blue Hills Avenue", "Jerome Avenue"),
        6,
    ),
    Town(
        "South Windsor",
        County.HARTFORD,
        ("06074",),
        ("Sullivan Avenue", "Buckland Road", "Ellington Road", "John Fitch Boulevard"),
        5,
    ),
    Town(
        "Southington",
        County.HARTFORD,
        ("06489",),
        ("Queen Street", "Main Street", "Center Street", "West Street"),
        5,
    ),
    Town(
        "Berlin",
        County.HARTFORD,
        ("06037",),
        ("Berlin Turnpike", "Farmington Avenue", "Webster Square Road"),
        4,
    ),
    Town(
        "Windsor Locks",
        County.HARTFORD,
        ("06096",),
        ("Main Street", "Ella Grasso Turnpike", "Old County Road"),
        4,
    ),
    Town(
        "Canton",
        County.HARTFORD,
        ("06019",),
        ("Albany Turnpike", "Dyer Avenue"),
        3,
    ),
    # Middlesex County
    Town(
        "Middletown",
        County.MIDDLESEX,
        ("06457",),
        ("Main Street", "Washington Street", "Court Street", "South Main Street", "Saybrook Road"),
        14,
    ),
    Town(
        "Cromwell",
        County.MIDDLESEX,
        ("06416",),
        ("Berlin Road", "Shunpike Road", "West Street", "Main Street"),
        5,
    ),
    Town(
        "Portland",
        County.MIDDLESEX,
        ("06480",),
        ("Main Street", "Marlborough Street", "Middle Haddam Road"),
        3,
    ),
    Town(
        "Essex",
        County.MIDDLESEX,
        ("06426", "06442"),
        ("Main Street", "Westbrook Road", "Plains Road", "Dennison Road"),
        4,
    ),
    Town(
        "Old Saybrook",
        County.MIDDLESEX,
        ("06475",),
        ("Main Street", "Boston Post Road", "Elm Street", "Mill Rock Road"),
        5,
    ),
    Town(
        "Clinton",
        County.MIDDLESEX,
        ("06413",),
        ("East Main Street", "West Main Street", "Commerce Street"),
        3,
    ),
    Town(
        "East Hampton",
        County.MIDDLESEX,
        ("06424",),
        ("Main Street", "West High Street", "Skinner Street"),
        3,
    ),
    Town(
        "Durham",
        County.MIDDLESEX,
        ("06422",),
        ("Main Street", "Durham Road"),
        2,
    ),
    Town(
        "Haddam",
        County.MIDDLESEX,
        ("06438", "06441"),
        ("Saybrook Road", "Bridge Road"),
        2,
    ),
    Town(
        "Chester",
        County.MIDDLESEX,
        ("06412",),
        ("Main Street", "Middlesex Avenue"),
        2,
    ),
    # Tolland County
    Town(
        "Tolland",
        County.TOLLAND,
        ("06084",),
        ("Merrow Road", "Tolland Stage Road", "Hartford Turnpike"),
        4,
    ),
    Town(
        "Vernon",
        County.TOLLAND,
        ("06066",),
        ("Talcottville Road", "Hartford Turnpike", "West Main Street", "Union Street"),
        7,
    ),
    Town(
        "Mansfield",
        County.TOLLAND,
        ("06268", "06250"),
        ("Storrs Road", "Dog Lane", "Royce Circle", "Stafford Road"),
        5,
    ),
    Town(
        "Coventry",
        County.TOLLAND,
        ("06238",),
        ("Main Street", "Boston Turnpike", "Lake Street"),
        3,
    ),
    Town(
        "Ellington",
        County.TOLLAND,
        ("06029",),
        ("West Road", "Maple Street", "Main Street"),
        3,
    ),
    Town(
        "Stafford",
        County.TOLLAND,
        ("06076",),
        ("Main Street", "West Stafford Road"),
        2,
    ),
    Town(
        "Bolton",
        County.TOLLAND,
        ("06043",),
        ("Boston Turnpike", "Bolton Center Road"),
        2,
    ),
    Town(
        "Hebron",
        County.TOLLAND,
        ("06248",),
        ("Main Street", "Church Street"),
        2,
    ),
    Town(
        "Somers",
        County.TOLLAND,
        ("06071",),
        ("Main Street", "Springfield Road"),
        2,
    ),
)

# The demo speaks of these places by name when a business is named after its area.
REGIONS = (
    "Capitol",
    "Charter Oak",
    "Connecticut River",
    "Greater Hartford",
    "Farmington Valley",
    "Central Connecticut",
    "Nutmeg",
    "Riverfront",
    "Constitution",
    "Shoreline",
    "Heritage",
    "Mattabesset",
    "Hockanum",
    "Scantic",
    "Talcott Mountain",
    "Founders",
    "Bushnell Park",
    "Cedar Mountain",
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
FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Christopher", "Karen", "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Betty", "Mark",
    "Sandra", "Steven", "Ashley", "Andrew", "Kimberly", "Joshua", "Emily", "Kevin", "Donna",
    "Brian", "Michelle", "Ryan", "Carol", "Jason", "Amanda", "Jacob", "Melissa", "Nicholas",
    "Deborah", "Eric", "Stephanie", "Jonathan", "Rebecca", "Luis", "Maria", "Carlos", "Ana",
    "José", "Rosa", "Miguel", "Carmen", "Wei", "Mei", "Priya", "Raj", "Anh", "Minh", "Aisha",
    "Omar", "Fatima", "Tariq", "Keisha", "Darnell", "Tanya", "Andre", "Grace", "Owen", "Claire",
    "Liam", "Nora", "Ethan", "Hannah", "Sean", "Colleen", "Patrick", "Maeve", "Giovanni",
    "Francesca", "Stanisław", "Katarzyna", "Tomasz", "Agnieszka", "Dmitri", "Olena",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
    "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "O'Brien", "Sullivan", "Murphy",
    "Kelly", "Fitzgerald", "Kowalski", "Nowak", "Wiśniewski", "Russo", "Esposito", "Romano",
    "DeLuca", "Marino", "Pereira", "Santos", "Oliveira", "Chen", "Wang", "Patel", "Shah",
    "Kim", "Park", "Tran", "Pham", "Cohen", "Levine", "Goldberg", "Bergeron", "Gagnon",
    "Tremblay", "Morin", "Pelletier", "Fontaine", "Delgado", "Vargas", "Castillo", "Ortiz",
    "Mendoza", "Hughes", "Brennan", "Whitaker", "Talcott", "Bushnell", "Wadsworth", "Colt",
)  # fmt: skip


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

STREET_NUMBERS = (1, 2000)
SUITES = ("Suite 100", "Suite 200", "Suite 210", "Suite 300", "Floor 4", "Suite 1A", "Unit 5")

PRIMARY_TITLES = ("President", "Owner", "CEO", "Managing Partner", "Principal", "General Manager")
NONPROFIT_PRIMARY_TITLES = ("Executive Director", "President & CEO", "Director")
BILLING_TITLES = ("Controller", "Office Manager", "Bookkeeper", "CFO", "Accounts Payable")
EVENT_TITLES = (
    "Marketing Manager",
    "Executive Assistant",
    "Community Relations Manager",
    "Business Development Director",
    "Events Coordinator",
)

# Partners the chamber bills on a plan it does not offer on its website: name, industry, staff.
PUBLIC_PARTNERS = (
    ("{Municipality} of {Town} Economic Development", "Government", (3, 12)),
    ("{Town} Public Schools", "Education", (250, 1400)),
    ("{Town} Public Library", "Government", (12, 70)),
)
CITIES = ("Hartford", "New Britain", "Bristol", "Middletown")
