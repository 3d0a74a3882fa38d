"""Where the demo's businesses are: towns with their county, postal codes, some streets and how
many businesses each has, the region's names, street numbers and suites."""

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
CITIES = ("Hartford", "New Britain", "Bristol", "Middletown")

STREET_NUMBERS = (1, 2000)
SUITES = ("Suite 100", "Suite 200", "Suite 210", "Suite 300", "Floor 4", "Suite 1A", "Unit 5")
