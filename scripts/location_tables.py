"""Write the location tables in `src/collectlint/inputs/data/` from the packages that keep the
data: `nanp_area_codes.csv` from `phonenumbers` and `us_states.csv` from `zipcodes` and `us`.

`nanp_area_codes.csv`: every North American area code `phonenumbers` knows, with its region,
the kind of numbers it holds and, in the US, its state.

Why a table and not `phonenumbers` at run time: the state of an area code is only in the
library's geocoder, which takes about half a second and 100 MB to load, and the area code's
region and kind need a parse and a validity test per number.  The table is built from the
library, so it says what the library says; `tests/test_location.py` rebuilds it and fails when
an upgrade of `phonenumbers` changes it (then run this script again and review the diff).

Per area code (`npa`): the region of its valid numbers (`US`, `CA`, `PR`, `JM`, ...), their
kind (`geographic` for fixed-line or mobile numbers; `toll_free`, `premium`, `personal`,
`other` for numbers that say nothing of where anyone is), and for a US geographic area code its
state (two letters, `DC` included): the state most of its exchanges name in the geocoder.

`us_zip_codes.csv`: every ZIP code of a US state, DC or territory in `zipcodes`, with its state,
its zone (corrected by the reviewed `zip_zones.yaml`; `a|b` for a ZIP code across a zone
line), and `NYC` for the ZIP codes of New York City's five counties (the city has collection
rules of its own, 6 RCNY 5-77).  Loading the package's 42,000 records takes most of a second;
this table loads in a hundredth of that, so a log with ZIP codes pays nothing noticeable.

`us_states.csv`: per US state, DC and territory, its two-letter code, its name (from `us`) and
the zones its ZIP codes are in (from `zipcodes`), the zone of most ZIP codes first (ties in
name order), each with its count of ZIP codes, then any other zone `us` lists for the state
(counted 0).  Military ZIP codes (AA, AE, AP) have no state
and no zone.

    python scripts/location_tables.py            # rewrite the tables
    python scripts/location_tables.py --check    # exit 1 if a table is out of date
"""

from __future__ import annotations

import argparse
import csv
import io
import re
from collections import Counter
from pathlib import Path

import phonenumbers
import us
import yaml
import zipcodes
from phonenumbers import PhoneNumberType, geocoder

DATA = Path(__file__).resolve().parents[1] / "src/collectlint/inputs/data"
AREA_CODES = DATA / "nanp_area_codes.csv"
STATES = DATA / "us_states.csv"
ZIP_CODES = DATA / "us_zip_codes.csv"
KINDS = {
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "geographic",
    PhoneNumberType.FIXED_LINE: "geographic",
    PhoneNumberType.MOBILE: "geographic",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium",
    PhoneNumberType.PERSONAL_NUMBER: "personal",
}
LINKS = {
    "America/Indianapolis": "America/Indiana/Indianapolis",
    "America/Knox_IN": "America/Indiana/Knox",
    "Pacific/Samoa": "Pacific/Pago_Pago",
}
"""Old names `us` uses for zones, and the zones the time-zone database links them to."""
CITY_STATE = re.compile(r", ([A-Z]{2})$")
NAMES = {s.name: s.abbr for s in us.states.STATES_AND_TERRITORIES} | {
    "Washington State": "WA",
    "Washington D.C.": "DC",
}


def _state(number: phonenumbers.PhoneNumber) -> str | None:
    """The state the geocoder names for a US number ("Evansville, IN", "Indiana")."""
    place = geocoder.description_for_number(number, "en")
    found = CITY_STATE.search(place)
    return found.group(1) if found else NAMES.get(place)


def area_code_row(npa: int, step: int = 1) -> dict[str, str] | None:
    """What the valid numbers of area code `npa` say (every `step`-th exchange is tried), or
    None when it has none."""
    regions: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    states: Counter[str] = Counter()
    for nxx in range(200, 1000, step):
        number = phonenumbers.parse(f"+1{npa}{nxx}4567")
        if not phonenumbers.is_valid_number(number):
            continue
        region = phonenumbers.region_code_for_number(number) or ""
        kind = KINDS.get(phonenumbers.number_type(number), "other")
        regions[region] += 1
        kinds[kind] += 1
        if region == "US" and kind == "geographic":
            state = _state(number)
            if state:
                states[state] += 1
    if not regions:
        return None
    return {
        "npa": str(npa),
        "region": regions.most_common(1)[0][0],
        "kind": kinds.most_common(1)[0][0],
        "state": states.most_common(1)[0][0] if states else "",
    }


def area_code_rows() -> list[dict[str, str]]:
    """One row per area code with at least one valid number."""
    return [row for npa in range(200, 1000) if (row := area_code_row(npa)) is not None]


def state_rows() -> list[dict[str, str]]:
    """One row per state, DC and territory with ZIP codes in `zipcodes`."""
    counts: dict[str, Counter[str]] = {}
    for record in zipcodes.list_all():  # type: ignore[no-untyped-call]
        zone = record["timezone"]
        if not zone or "/" not in zone:  # military ZIP codes, and one bad value ("Napakiak")
            continue
        counts.setdefault(record["state"], Counter())[zone] += 1
    out = []
    for state in sorted(counts):
        found = us.states.lookup(state)
        if found is None or found.abbr != state:  # FM, MH, PW: not US states or territories
            continue
        zones = sorted(counts[state].items(), key=lambda item: (-item[1], item[0]))
        # `us` knows zones a state's ZIP codes miss (West Wendover, Nevada, keeps Mountain
        # time; zipcodes puts its ZIP code in Pacific): they are candidates too, counted 0
        named = {z for z, _ in zones}
        zones += [(z, 0) for z in sorted({LINKS.get(z, z) for z in found.time_zones} - named)]
        out.append(
            {
                "state": state,
                "name": found.name,
                "zones": "|".join(z for z, _ in zones),
                "zip_codes": "|".join(str(n) for _, n in zones),
            }
        )
    return out


CITIES = {
    "NYC": (
        "NY",
        {"New York County", "Kings County", "Queens County", "Bronx County", "Richmond County"},
    ),
}
"""Cities with collection law of their own, by the counties they are: New York City is its
five boroughs, each a county (Manhattan, Brooklyn, Queens, the Bronx, Staten Island)."""


def zip_rows() -> list[dict[str, str]]:
    """One row per ZIP code `zipcodes` places in a US state, DC or territory: its state, its
    zone (empty where the data has none a time-zone database knows) and its city when that
    is one of `CITIES` (by the ZIP code's county)."""
    known = {row["state"] for row in state_rows()}
    fixes = yaml.safe_load((DATA / "zip_zones.yaml").read_text(encoding="utf-8"))
    out = []
    for record in sorted(zipcodes.list_all(), key=lambda r: r["zip_code"]):  # type: ignore[no-untyped-call]
        if record["state"] not in known:  # military (AA, AE, AP) and FM, MH, PW
            continue
        zone = record["timezone"] if "/" in (record["timezone"] or "") else ""
        zone = "|".join(fixes[record["zip_code"]]["zones"]) if record["zip_code"] in fixes else zone
        city = next(
            (c for c, (s, counties) in CITIES.items()
             if record["state"] == s and record["county"] in counties),
            "",
        )  # fmt: skip
        out.append(
            {"zip": record["zip_code"], "state": record["state"], "timezone": zone, "city": city}
        )
    return out


def _csv(header: str, fields: list[str], rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    buffer.write(f"# generated by scripts/location_tables.py from {header}; do not edit by hand\n")
    writer = csv.DictWriter(buffer, fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def render_area_codes() -> str:
    """The area-code table's text."""
    return _csv(
        f"phonenumbers {phonenumbers.__version__} (libphonenumber metadata, Apache-2.0)",
        ["npa", "region", "kind", "state"],
        area_code_rows(),
    )


def render_states() -> str:
    """The state table's text."""
    return _csv(
        f"zipcodes {zipcodes.__version__} and us {_us_version()}",
        ["state", "name", "zones", "zip_codes"],
        state_rows(),
    )


def render_zip_codes() -> str:
    """The ZIP-code table's text."""
    return _csv(
        f"zipcodes {zipcodes.__version__} (MIT; its data: unitedstateszipcodes.org, GeoNames "
        "CC BY 4.0, USPS ZIP Locale Detail)",
        ["zip", "state", "timezone", "city"],
        zip_rows(),
    )


def render() -> dict[Path, str]:
    """Each table's text: a header naming its source, then the CSV."""
    return {
        AREA_CODES: render_area_codes(),
        STATES: render_states(),
        ZIP_CODES: render_zip_codes(),
    }


def _us_version() -> str:
    from importlib.metadata import version

    return version("us")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a table is stale")
    args = parser.parse_args()
    stale = 0
    for path, text in render().items():
        if args.check:
            same = path.read_text(encoding="utf-8") == text
            print(f"{path.name}: {'up to date' if same else 'out of date'}")
            stale += not same
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
