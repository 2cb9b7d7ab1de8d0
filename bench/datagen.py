"""Realistic, reproducible contact data: names (some accented), unique emails and phones, tags,
job titles, owners, and companies with their addresses.

Emails and phone numbers are unique per row index (the import refuses a row whose email or
phone is already held), so any number of rows up to ``MAX_ROWS`` can be generated.
"""

from __future__ import annotations

import csv
import random
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIRST_NAMES = """
James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan Joseph
Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty Anthony Margaret Mark Sandra
Donald Ashley Steven Kimberly Paul Emily Andrew Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Dorothy
George Melissa Timothy Deborah Ronald Stephanie Edward Rebecca Jason Sharon Jeffrey Laura Ryan Cynthia Jacob
Kathleen Gary Amy Nicholas Angela Eric Shirley Jonathan Anna Stephen Brenda Larry Pamela Justin Emma Scott
Nicole Brandon Helen Benjamin Samantha Samuel Katherine Gregory Christine Alexander Debra Frank Rachel Patrick
Carolyn Raymond Janet Jack Catherine Dennis Maria Jerry Heather Tyler Diane Aaron Ruth Jose Julie Adam Olivia
Nathan Joyce Henry Virginia Douglas Victoria Zachary Kelly Peter Lauren Kyle Christina Ethan Joan Walter Evelyn
Noah Judith Jeremy Megan Christian Andrea Keith Cheryl Roger Hannah Terry Jacqueline Gerald Martha Harold Gloria
Sean Teresa Austin Ann Carl Sara Arthur Madison Lawrence Frances Dylan Kathryn Jesse Janice Jordan Jean Bryan
Abigail Billy Alice Joe Julia Bruce Judy Gabriel Sophia Logan Grace Albert Denise Willie Amber Alan Doris Juan
Marilyn Wayne Danielle Elijah Beverly Randy Isabella Roy Theresa Vincent Diana Ralph Natalie Eugene Brittany
Russell Charlotte Bobby Marie Mason Kayla Philip Alexis Louis Lori José Zoë Björn Chloé Søren Łukasz Renée
""".split()

LAST_NAMES = """
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson
Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson
Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell
Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales
Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson
Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long
Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales Fisher
Vasquez Simmons Romero Jordan Patterson Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole
Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens Harrison
Fernandez McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman Webb Tucker Guzman Burns Crawford
Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Muñoz Hunt Hicks Holmes Palmer Wagner
Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice Schmidt Garza Daniels Ferguson Nichols
Stephens Soto Weaver Ryan Gardner Payne Grant Dunn Kelley Spencer Hawkins Arnold Pierce Vázquez Hansen Peters
Santos Hart Bradley Knight Elliott Cunningham Duncan Armstrong Hudson Carroll Lane Riley Andrews Alvarado Ray
Delgado Berry Perkins Hoffman Johnston Matthews Peña Richards Contreras Willis Carpenter Lawrence Sandoval
Müller Schäfer O'Brien O'Connor Dubois Lefèvre Nakamura Sato Kowalski Nowak Novák Jensen Nielsen Larsson
""".split()

JOB_TITLES = (
    "Account Executive", "Sales Manager", "VP of Sales", "Chief Executive Officer", "Chief Technology Officer",
    "Head of Marketing", "Marketing Coordinator", "Product Manager", "Senior Software Engineer", "Data Analyst",
    "Procurement Manager", "Operations Director", "Office Manager", "Customer Success Manager", "CFO",
    "IT Director", "HR Business Partner", "Founder", "Purchasing Agent", "Business Development Representative",
)  # fmt: skip

COMPANY_WORDS = (
    "North", "Blue", "Summit", "Pioneer", "Granite", "Silver", "Harbor", "Maple", "Cedar", "Atlas", "Vertex",
    "Bright", "Iron", "Golden", "Red", "Evergreen", "Prairie", "Coastal", "Union", "Liberty", "Crescent", "Falcon",
    "Redwood", "Keystone", "Orchard", "Beacon", "Sterling", "Meridian", "Horizon", "Quantum",
)  # fmt: skip
COMPANY_NOUNS = (
    "Logistics", "Analytics", "Foods", "Robotics", "Health", "Capital", "Labs", "Systems", "Energy", "Media",
    "Consulting", "Software", "Manufacturing", "Partners", "Pharma", "Outfitters", "Networks", "Builders",
)  # fmt: skip
COMPANY_SUFFIXES = ("Inc.", "LLC", "Ltd", "GmbH", "Corp.", "Group", "& Co.", "")

STREET_NAMES = (
    "Main", "Oak", "Pine", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park", "Market", "Mission",
    "Broadway", "Sunset", "Commerce", "Industrial", "Harbor", "River", "Church", "Highland",
)  # fmt: skip
STREET_KINDS = ("St", "Ave", "Blvd", "Rd", "Way", "Dr", "Ln", "Pkwy")
CITIES = (
    ("New York", "NY", "100", "212"), ("Los Angeles", "CA", "900", "310"), ("Chicago", "IL", "606", "312"),
    ("Houston", "TX", "770", "713"), ("Phoenix", "AZ", "850", "602"), ("Philadelphia", "PA", "191", "215"),
    ("San Antonio", "TX", "782", "210"), ("San Diego", "CA", "921", "619"), ("Dallas", "TX", "752", "214"),
    ("Austin", "TX", "787", "512"), ("San Francisco", "CA", "941", "415"), ("Seattle", "WA", "981", "206"),
    ("Denver", "CO", "802", "303"), ("Boston", "MA", "021", "617"), ("Nashville", "TN", "372", "615"),
    ("Portland", "OR", "972", "503"), ("Atlanta", "GA", "303", "404"), ("Miami", "FL", "331", "305"),
    ("Minneapolis", "MN", "554", "612"), ("Detroit", "MI", "482", "313"),
)  # fmt: skip
TAGS = (
    "vip", "newsletter", "trade-show-2026", "partner", "churn-risk", "enterprise", "smb", "webinar",
    "referral", "beta-tester", "decision-maker", "renewal-q3",
)  # fmt: skip
OWNERS = tuple(f"{n}@sales.example.com" for n in ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"))
STAGES = ("subscriber", "lead", "opportunity", "customer", "evangelist", "other")
STAGE_WEIGHTS = (10, 45, 15, 25, 3, 2)
SOURCES = ("website", "trade show", "referral", "webinar", "cold outreach", "partner", "")
EMAIL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "icloud.com", "proton.me")
PHONE_FORMATS = ("({a}) {e}-{l}", "+1 {a} {e} {l}", "{a}.{e}.{l}", "{a}-{e}-{l}", "1-{a}-{e}-{l}")

# Phone numbers: area code x exchange (200..999) x line (0000..9999) are unique per index.
MAX_ROWS = len(CITIES) * 800 * 10_000


@dataclass(frozen=True)
class Company:
    name: str
    domain: str
    street: str
    city: str
    region: str
    postal_code: str
    area_code: str


def ascii_slug(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in decomposed if ch.isascii() and (ch.isalnum())).lower()


def companies(count: int, seed: int = 7) -> list[Company]:
    rng = random.Random(seed)
    result: list[Company] = []
    seen: set[str] = set()
    while len(result) < count:
        base = f"{rng.choice(COMPANY_WORDS)}{rng.choice(('', ' '))}{rng.choice(COMPANY_NOUNS)}"
        name = f"{base} {rng.choice(COMPANY_SUFFIXES)}".strip()
        if name in seen:
            name = f"{name} {len(result)}"
        seen.add(name)
        city, region, zip3, area = rng.choice(CITIES)
        result.append(
            Company(
                name=name,
                domain=f"{ascii_slug(base)}{len(result)}.com",
                street=f"{rng.randint(1, 9999)} {rng.choice(STREET_NAMES)} {rng.choice(STREET_KINDS)}",
                city=city,
                region=region,
                postal_code=f"{zip3}{rng.randint(0, 99):02d}",
                area_code=area,
            )
        )
    return result


def _phone(index: int, rng: random.Random) -> str:
    area = CITIES[index % len(CITIES)][3]
    rest = index // len(CITIES)
    exchange = 200 + rest // 10_000
    line = rest % 10_000
    return rng.choice(PHONE_FORMATS).format(a=area, e=f"{exchange:03d}", l=f"{line:04d}")


def contact(index: int, rng: random.Random, company: Company, tag: str = "") -> dict[str, Any]:
    """One contact as CSV-like flat fields (lists joined with ';')."""
    first = rng.choice(FIRST_NAMES)
    last = rng.choice(LAST_NAMES)
    local = f"{ascii_slug(first)}.{ascii_slug(last)}.{tag}{index}"
    emails = [f"{local}@{company.domain}"]
    if rng.random() < 0.15:
        emails.append(f"{local}@{rng.choice(EMAIL_DOMAINS)}")
    phones = [_phone(index, rng)] if rng.random() < 0.85 else []
    tags = rng.sample(TAGS, k=rng.choice((0, 1, 1, 2, 2, 3)))
    return {
        "first_name": first,
        "last_name": last,
        "job_title": rng.choice(JOB_TITLES),
        "owner": rng.choice(OWNERS),
        "lifecycle_stage": rng.choices(STAGES, STAGE_WEIGHTS)[0],
        "source": rng.choice(SOURCES),
        "provenance": "",
        "email": ";".join(emails),
        "phone": ";".join(phones),
        "tags": ";".join(tags),
        "street": company.street,
        "city": company.city,
        "region": company.region,
        "postal_code": company.postal_code,
        "country": "US",
        "custom.company": company.name,
    }


CSV_COLUMNS = (
    "first_name", "last_name", "job_title", "owner", "lifecycle_stage", "source", "provenance",
    "email", "phone", "tags", "street", "city", "region", "postal_code", "country", "custom.company",
)  # fmt: skip


def flat_rows(
    count: int, seed: int = 42, company_count: int = 2_000, tag: str = "", start: int = 0
) -> Iterator[dict[str, Any]]:
    """Rows for indexes ``start .. start+count``: sets with disjoint ranges share no email or phone."""
    rng = random.Random(seed + start)
    pool = companies(company_count)
    for index in range(start, start + count):
        yield contact(index, rng, rng.choice(pool), tag)


def write_csv(path: Path, count: int, seed: int = 42, bad_rows: int = 0, start: int = 0) -> dict[str, int]:
    """A contacts CSV of ``count`` data rows; ``bad_rows`` of them are invalid or duplicates.

    Half of the bad rows carry a malformed email, half repeat an earlier row's email, as a
    real export from another system would now and then.
    """
    rng = random.Random(seed + 1)
    bad_at = set(rng.sample(range(1_000, count), bad_rows)) if bad_rows else set()
    written = {"rows": 0, "invalid": 0, "duplicate": 0}
    early_emails: list[str] = []
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for index, row in enumerate(flat_rows(count, seed, start=start)):
            if index < 1_000:
                early_emails.append(row["email"].split(";")[0])
            if index in bad_at:
                if index % 2:
                    row["email"] = row["email"].split(";")[0].replace("@", " at ")
                    written["invalid"] += 1
                else:
                    row["email"] = early_emails[index % 1_000]
                    row["phone"] = ""
                    written["duplicate"] += 1
            writer.writerow(row)
            written["rows"] += 1
    return written
