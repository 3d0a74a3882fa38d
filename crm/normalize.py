"""Pure helpers that make two spellings of the same business or person compare equal."""

import re
import unicodedata
from urllib.parse import urlsplit

_LEGAL_SUFFIXES = {
    "inc",
    "incorporated",
    "llc",
    "l.l.c",
    "llp",
    "lp",
    "ltd",
    "limited",
    "corp",
    "corporation",
    "co",
    "company",
    "pc",
    "p.c",
    "pllc",
    "plc",
}
_PUBLIC_MAIL_DOMAINS = {
    "gmail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "aol.com",
    "icloud.com",
    "comcast.net",
    "sbcglobal.net",
    "att.net",
    "live.com",
    "msn.com",
    "me.com",
    "proton.me",
    "protonmail.com",
    "cox.net",
    "verizon.net",
    "optonline.net",
}


def normalize_org_name(name: str) -> str:
    """'The Acme Co., LLC' and 'ACME' both become 'acme'."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ")
    words = re.findall(r"[a-z0-9]+", text)
    while words and words[0] == "the":
        words = words[1:]
    while len(words) > 1 and words[-1] in _LEGAL_SUFFIXES:
        words = words[:-1]
    return " ".join(words)


def domain_from_website(website: str) -> str:
    """'https://www.Acme.com/about' becomes 'acme.com'; '' stays ''."""
    website = website.strip().lower()
    if not website:
        return ""
    if "://" not in website:
        website = "http://" + website
    host = urlsplit(website).hostname or ""
    return host.removeprefix("www.")


def domain_from_email(email: str) -> str:
    """The business domain of an address, or '' for public mail providers."""
    domain = email.strip().lower().rpartition("@")[2]
    return "" if domain in _PUBLIC_MAIL_DOMAINS else domain


def normalize_email(email: str) -> str:
    return email.strip().lower()
