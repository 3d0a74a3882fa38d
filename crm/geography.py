"""The county of an organization from its ZIP code, for the county filter and reports.

The ZIP-to-county table is the `zipcodes` package's (the US Postal Service's ZIP codes with their
county, kept current by its maintainers and bundled, so no network and no database table): a
pure lookup, used by organization_save, the importer's bulk path and the data migration that
filled the organizations already on record."""

import zipcodes

from crm.models.organizations import County

# The counties the chamber serves, as zipcodes names them.
_REGION = {
    "Hartford County": County.HARTFORD,
    "Middlesex County": County.MIDDLESEX,
    "Tolland County": County.TOLLAND,
}


def county_for_postal_code(postal_code: str) -> str:
    """The County value of a US ZIP code ("06103" or "06103-1234"): one of the region's
    counties, `other` for any other US ZIP code, and "" when the code is not a known ZIP code
    (a typo, a foreign postal code): better no county than a wrong one."""
    code = (postal_code or "").strip()[:5]
    if len(code) != 5 or not code.isdigit():
        return ""
    try:
        found = zipcodes.matching(code)
    except (TypeError, ValueError):
        return ""
    if not found:
        return ""
    return _REGION.get(found[0].get("county", ""), County.OTHER)


def fill_county(organization: object) -> bool:
    """Give an organization without a county the one its ZIP code says; True if it did."""
    if getattr(organization, "county", "") or not getattr(organization, "postal_code", ""):
        return False
    county = county_for_postal_code(organization.postal_code)  # type: ignore[attr-defined]
    if county:
        organization.county = county  # type: ignore[attr-defined]
    return bool(county)
