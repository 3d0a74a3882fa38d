"""The demo's industries: the patterns their businesses are named by, their sizes, what they do,
how common they are; and the public partners the chamber bills on a plan of their own."""

from dataclasses import dataclass

from demo.data import load


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


INDUSTRIES: tuple[Industry, ...] = load("industries", "industries", Industry)

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
