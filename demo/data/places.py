"""Where the demo's businesses are: towns with their county, postal codes, some streets and how
many businesses each has, the region's names, street numbers and suites."""

from dataclasses import dataclass

from demo.data import load


@dataclass(frozen=True)
class Town:
    name: str
    county: str
    postal_codes: tuple[str, ...]
    streets: tuple[str, ...]
    weight: int  # how many businesses it has, roughly


TOWNS: tuple[Town, ...] = load("places", "towns", Town)

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
