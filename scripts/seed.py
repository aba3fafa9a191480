#!/usr/bin/env python3
"""Generate a realistic university calendar, written by the `icalendar` PyPI package (a real,
independent iCalendar producer), for the demo, the tests and the benchmarks.

What it holds, with French UTF-8 text:
  * a term of weekly lectures (RRULE with UNTIL, TZID Europe/Paris with its VTIMEZONE), some
    sessions moved (RECURRENCE-ID exceptions in the same resource), some cancelled (EXDATE);
  * all-day events, some over several days (exam weeks, holidays, open days);
  * meetings with ORGANIZER and ATTENDEEs (CN, ROLE, PARTSTAT, RSVP);
  * single events (seminars, defences, office hours), a few in UTC and a few with the Windows
    zone name "Romance Standard Time" (with its own VTIMEZONE), as Exchange/Zimbra write them;
  * VALARMs, CATEGORIES, URL, CLASS, TRANSP, long folded descriptions with , ; \\ and
    newlines, and X- properties.

Deterministic: the same --seed, --start and --count give byte-identical output.
--count is the number of resources (UIDs); it scales to 20000 for benchmarks.

Usage (with the tools venv that scripts/install-peers.sh makes):
  .peers/tools/bin/python scripts/seed.py --count 300 --ics cal.ics
  .peers/tools/bin/python scripts/seed.py --count 5000 --vdir DIR --seed 7 --start 2025-09-01
  .peers/tools/bin/python scripts/seed.py --count 50        # to stdout
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
from zoneinfo import ZoneInfo

from icalendar import (
    Alarm,
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vCalAddress,
    vText,
)

PARIS = ZoneInfo("Europe/Paris")
UTC = dt.timezone.utc
WINDOWS_TZID = "Romance Standard Time"
PRODID = "-//Université Exemple//Synchro seed//FR"
DOMAIN = "univ-exemple.fr"

COURSES = [
    ("MAT101", "Algèbre linéaire", "Pr. Hélène Dubois"),
    ("MAT102", "Analyse réelle", "Pr. François Lefèvre"),
    ("PHY110", "Thermodynamique", "Dr. Aurélie Moreau"),
    ("PHY120", "Mécanique du point", "Dr. Jérôme Garnier"),
    ("INF130", "Algorithmique et structures de données", "Dr. Céline Robert"),
    ("INF140", "Systèmes d'exploitation", "Pr. Benoît Faure"),
    ("HIS201", "Histoire médiévale : l'an mil", "Pr. Geneviève Roux"),
    ("LET210", "Littérature française du XIXᵉ siècle", "Dr. Noël Chevalier"),
    ("ECO220", "Économie du développement", "Dr. Inès Bertrand"),
    ("CHI230", "Chimie organique", "Pr. Loïc Mercier"),
    ("BIO240", "Biologie cellulaire", "Dr. Maëlle Girard"),
    ("LAN250", "Anglais scientifique", "Mrs. Sarah O'Connor"),
]
KINDS = ["CM", "TD", "TP"]
ROOMS = [
    "Amphi A — Bâtiment Pasteur",
    "Amphi B — Bâtiment Curie",
    "Salle 204, Bât. Lavoisier",
    "Salle 12; rez-de-chaussée",
    "Labo de physique (sous-sol)",
    "Salle informatique 3",
    "Bibliothèque universitaire, salle de groupe n°2",
    "Visioconférence",
]
PEOPLE = [
    ("Hélène Dubois", "helene.dubois"),
    ("François Lefèvre", "francois.lefevre"),
    ("Aurélie Moreau", "aurelie.moreau"),
    ("Jérôme Garnier", "jerome.garnier"),
    ("Céline Robert", "celine.robert"),
    ("Benoît Faure", "benoit.faure"),
    ("Geneviève Roux", "genevieve.roux"),
    ("Noël Chevalier", "noel.chevalier"),
    ("Inès Bertrand", "ines.bertrand"),
    ("Loïc Mercier", "loic.mercier"),
    ("Maëlle Girard", "maelle.girard"),
    ("Zoé Lambert", "zoe.lambert"),
    ("Raphaël Bonnet", "raphael.bonnet"),
    ("Chloé François", "chloe.francois"),
]
MEETINGS = [
    "Conseil de département",
    "Réunion d'équipe pédagogique",
    "Jury de semestre",
    "Comité de suivi de thèse",
    "Point hebdomadaire du labo",
    "Commission des études",
    "Réunion « réforme des licences »",
    "Entretien d'évaluation",
]
SINGLES = [
    "Séminaire : géométrie algébrique",
    "Soutenance de thèse — M. Élie Perrin",
    "Permanence étudiants",
    "Conférence invitée : l'IA et l'éthique",
    "Visite du labo par les lycéens",
    "Dépôt des notes (date limite)",
    "Café des doctorant·e·s",
    "Atelier rédaction scientifique",
]
ALLDAY = [
    ("Semaine d'examens", 5),
    ("Vacances de la Toussaint", 9),
    ("Journée portes ouvertes", 1),
    ("Pont — université fermée", 1),
    ("Colloque international (Lyon)", 3),
    ("Vacances de Noël", 16),
    ("Journée de rentrée", 1),
]
CATEGORIES = ["Enseignement", "Recherche", "Administration", "Réunion", "Examens"]
DESCRIPTION_BITS = [
    "Apporter la calculatrice, les notes du cours précédent; lire le chapitre 3.",
    "Ordre du jour :\n1. Validation du PV\n2. Budget 2025, arbitrages\n3. Questions diverses",
    "Lien visio : https://visio.univ-exemple.fr/salle/42?pwd=abc;def",
    'Accès PMR par l\'entrée nord. Chemin Windows : C:\\Partage\\Cours\\"TD"',
    "Supports déposés sur l'ENT (rubrique « Documents »). Merci de vous inscrire avant vendredi, "
    "les places sont limitées à 30 personnes par groupe, liste d'attente au secrétariat.",
]


def paris_vtimezone(tzid: str = "Europe/Paris") -> Timezone:
    """The usual two-rule VTIMEZONE for Central European Time (as Outlook/Zimbra write it)."""
    tz = Timezone()
    tz.add("tzid", tzid)
    if tzid != "Europe/Paris":
        tz.add("x-lic-location", "Europe/Paris")
    std = TimezoneStandard()
    std.add("dtstart", dt.datetime(1970, 10, 25, 3, 0, 0))
    std.add("tzoffsetfrom", dt.timedelta(hours=2))
    std.add("tzoffsetto", dt.timedelta(hours=1))
    std.add("tzname", "CET")
    std.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1SU"})
    day = TimezoneDaylight()
    day.add("dtstart", dt.datetime(1970, 3, 29, 2, 0, 0))
    day.add("tzoffsetfrom", dt.timedelta(hours=1))
    day.add("tzoffsetto", dt.timedelta(hours=2))
    day.add("tzname", "CEST")
    day.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1SU"})
    tz.add_component(day)
    tz.add_component(std)
    return tz


def address(name: str, login: str, role: str | None = None, partstat: str | None = None):
    a = vCalAddress(f"mailto:{login}@{DOMAIN}")
    a.params["cn"] = vText(name)
    if role:
        a.params["role"] = vText(role)
    if partstat:
        a.params["partstat"] = vText(partstat)
        a.params["rsvp"] = vText("TRUE" if partstat == "NEEDS-ACTION" else "FALSE")
    return a


class Seeder:
    def __init__(self, seed: int, start: dt.date, count: int):
        self.rng = random.Random(seed)
        self.seed = seed
        self.start = start - dt.timedelta(days=start.weekday())  # a Monday
        self.count = count
        # A fixed DTSTAMP so that the output only depends on the arguments.
        self.stamp = dt.datetime.combine(self.start, dt.time(8, 0), UTC) - dt.timedelta(days=14)
        self.uses_windows_tz = False

    def uid(self, kind: str, i: int) -> str:
        return f"{kind}-{self.seed}-{i:05d}@{DOMAIN}"

    def base(self, uid: str, summary: str) -> Event:
        ev = Event()
        ev.add("uid", uid)
        ev.add("dtstamp", self.stamp)
        ev.add("created", self.stamp)
        ev.add("last-modified", self.stamp)
        ev.add("summary", summary)
        return ev

    def maybe_alarm(self, ev: Event, p: float = 0.4) -> None:
        if self.rng.random() < p:
            al = Alarm()
            al.add("action", "DISPLAY")
            al.add("description", "Rappel")
            al.add("trigger", -dt.timedelta(minutes=self.rng.choice([5, 10, 15, 30, 60, 1440])))
            ev.add_component(al)

    def maybe_description(self, ev: Event, p: float = 0.5) -> None:
        if self.rng.random() < p:
            ev.add("description", self.rng.choice(DESCRIPTION_BITS))

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), PARIS)

    # --- resources ---------------------------------------------------------------------------

    def lecture(self, i: int) -> list[Event]:
        """A weekly lecture over a 13-week term, with moved and cancelled sessions."""
        rng = self.rng
        code, title, teacher = COURSES[i % len(COURSES)]
        kind = KINDS[(i // len(COURSES)) % len(KINDS)]
        group = i // (len(COURSES) * len(KINDS)) + 1
        weekday = rng.randrange(5)
        hour = rng.choice([8, 10, 13, 15, 17])
        first = self.start + dt.timedelta(days=weekday)
        weeks = 13
        start = self.at(first, hour, 0 if hour != 13 else 30)
        duration = dt.timedelta(hours=rng.choice([1.5, 2, 3]) if kind != "CM" else 2)
        last = start + dt.timedelta(weeks=weeks - 1)
        room = rng.choice(ROOMS)
        uid = self.uid("cours", i)
        master = self.base(uid, f"{kind} {title} — groupe {group}")
        master.add("dtstart", start)
        master.add("dtend", start + duration)
        master.add(
            "rrule",
            {
                "freq": "weekly",
                "until": (last + dt.timedelta(hours=1)).astimezone(UTC),
                "byday": ["MO", "TU", "WE", "TH", "FR"][weekday],
            },
        )
        master.add("location", room)
        master.add("categories", ["Enseignement", kind])
        master.add("x-univ-course-code", code)
        master.add("x-univ-teacher", teacher)
        master.add("x-microsoft-cdo-busystatus", "BUSY")
        master.add("class", "PUBLIC")
        self.maybe_description(master, 0.3)
        self.maybe_alarm(master, 0.5)
        sessions = [start + dt.timedelta(weeks=w) for w in range(weeks)]
        cancelled = rng.sample(sessions[1:], k=rng.choice([0, 1, 1, 2]))
        if cancelled:
            master.add("exdate", sorted(cancelled))
        out = [master]
        movable = [s for s in sessions[1:] if s not in cancelled]
        for rid in sorted(rng.sample(movable, k=rng.choice([0, 1, 1, 2]))):
            moved = self.base(uid, f"{kind} {title} — groupe {group} (déplacé)")
            moved.add("recurrence-id", rid)
            new_start = rid + dt.timedelta(days=rng.choice([-1, 1, 2]), hours=rng.choice([0, 2]))
            moved.add("dtstart", new_start)
            moved.add("dtend", new_start + duration)
            moved.add("location", rng.choice(ROOMS))
            moved.add("sequence", 1)
            moved.add("description", "Séance déplacée (salle indisponible).")
            out.append(moved)
        return out

    def allday(self, i: int) -> list[Event]:
        name, days = ALLDAY[i % len(ALLDAY)]
        first = self.start + dt.timedelta(days=self.rng.randrange(0, 300))
        ev = self.base(self.uid("jour", i), name)
        ev.add("dtstart", first)
        ev.add("dtend", first + dt.timedelta(days=days))
        ev.add("transp", "TRANSPARENT")
        ev.add("categories", ["Examens" if "xamen" in name else "Administration"])
        ev.add("x-microsoft-cdo-alldayevent", "TRUE")
        self.maybe_alarm(ev, 0.2)
        return [ev]

    def meeting(self, i: int) -> list[Event]:
        rng = self.rng
        day = self.start + dt.timedelta(days=rng.randrange(0, 364))
        if day.weekday() >= 5:
            day -= dt.timedelta(days=day.weekday() - 4)
        start = self.at(day, rng.randrange(8, 18), rng.choice([0, 15, 30, 45]))
        ev = self.base(self.uid("reunion", i), rng.choice(MEETINGS))
        ev.add("dtstart", start)
        ev.add("dtend", start + dt.timedelta(minutes=rng.choice([30, 60, 90, 120])))
        ev.add("location", rng.choice(ROOMS))
        people = rng.sample(PEOPLE, k=rng.randrange(3, 8))
        org_name, org_login = people[0]
        ev.add("organizer", address(org_name, org_login))
        for name, login in people[1:]:
            ev.add(
                "attendee",
                address(
                    name,
                    login,
                    role=rng.choice(["REQ-PARTICIPANT", "REQ-PARTICIPANT", "OPT-PARTICIPANT"]),
                    partstat=rng.choice(["ACCEPTED", "TENTATIVE", "DECLINED", "NEEDS-ACTION"]),
                ),
            )
        ev.add("status", rng.choice(["CONFIRMED", "CONFIRMED", "TENTATIVE"]))
        ev.add("sequence", rng.randrange(0, 3))
        ev.add("categories", ["Réunion"])
        ev.add("x-zimbra-invite-id", f"{rng.randrange(10**6)}-{rng.randrange(10**6)}")
        self.maybe_description(ev, 0.7)
        self.maybe_alarm(ev, 0.6)
        return [ev]

    def single(self, i: int) -> list[Event]:
        rng = self.rng
        day = self.start + dt.timedelta(days=rng.randrange(0, 364))
        ev = self.base(self.uid("evt", i), rng.choice(SINGLES))
        hour = rng.randrange(8, 19)
        flavour = rng.random()
        if flavour < 0.05:
            start = dt.datetime.combine(day, dt.time(hour, 0), PARIS).astimezone(UTC)
            ev.add("dtstart", start)
            ev.add("dtend", start + dt.timedelta(hours=1))
        elif flavour < 0.08:
            self.uses_windows_tz = True
            start = dt.datetime.combine(day, dt.time(hour, 0))
            ev.add("dtstart", start, parameters={"TZID": WINDOWS_TZID})
            ev.add("dtend", start + dt.timedelta(hours=1), parameters={"TZID": WINDOWS_TZID})
        else:
            start = self.at(day, hour, rng.choice([0, 30]))
            ev.add("dtstart", start)
            ev.add("duration", dt.timedelta(minutes=rng.choice([45, 60, 120])))
        if rng.random() < 0.6:
            ev.add("location", rng.choice(ROOMS))
        if rng.random() < 0.2:
            ev.add("url", f"https://www.{DOMAIN}/agenda/{i}")
        if rng.random() < 0.1:
            ev.add("class", "PRIVATE")
        ev.add("categories", [rng.choice(CATEGORIES)])
        ev.add("x-synchro-seed", str(self.seed))
        self.maybe_description(ev)
        self.maybe_alarm(ev)
        return [ev]

    def resources(self) -> list[list[Event]]:
        """`count` resources: ~12% lectures, ~5% all-day, ~33% meetings, the rest singles."""
        n = self.count
        n_lect = max(1, round(n * 0.12)) if n >= 4 else min(n, 1)
        n_all = max(1, round(n * 0.05)) if n >= 4 else min(n - n_lect, 1)
        n_meet = round(n * 0.33) if n >= 4 else min(n - n_lect - n_all, 1)
        n_single = n - n_lect - n_all - n_meet
        out = []
        out += [self.lecture(i) for i in range(n_lect)]
        out += [self.allday(i) for i in range(n_all)]
        out += [self.meeting(i) for i in range(n_meet)]
        out += [self.single(i) for i in range(n_single)]
        return out


def calendar(events: list[Event], tzids: set[str], name: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if name:
        cal.add("x-wr-calname", name)
        cal.add("x-wr-timezone", "Europe/Paris")
    for tzid in sorted(tzids):
        cal.add_component(paris_vtimezone(tzid))
    for ev in events:
        cal.add_component(ev)
    return cal


def tzids_of(events: list[Event]) -> set[str]:
    out = set()
    for ev in events:
        for prop in ("dtstart", "dtend", "recurrence-id", "exdate"):
            value = ev.get(prop)
            if value is None:
                continue
            values = value if isinstance(value, list) else [value]
            for v in values:
                tzid = v.params.get("TZID")
                if tzid:
                    out.add(str(tzid))
    return out


def safe_name(uid: str) -> str:
    return "".join(c if c.isalnum() or c in "-_.@" else "_" for c in uid)


def write_atomic(path: str, data: bytes) -> None:
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".seed-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--count", type=int, default=300, help="number of events (UIDs), default 300")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument(
        "--start",
        type=dt.date.fromisoformat,
        default=None,
        help="first week of the term, YYYY-MM-DD (default: 4 weeks before today)",
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument("--ics", metavar="FILE", help="write one calendar file")
    out.add_argument("--vdir", metavar="DIR", help="write one .ics per event into DIR")
    p.add_argument("--name", default="Université — emploi du temps", help="X-WR-CALNAME")
    args = p.parse_args(argv)
    if args.count < 1:
        p.error("--count must be at least 1")
    start = args.start or (dt.date.today() - dt.timedelta(weeks=4))

    seeder = Seeder(args.seed, start, args.count)
    resources = seeder.resources()
    if args.vdir:
        os.makedirs(args.vdir, exist_ok=True)
        for events in resources:
            cal = calendar(events, tzids_of(events))
            uid = str(events[0]["uid"])
            write_atomic(os.path.join(args.vdir, safe_name(uid) + ".ics"), cal.to_ical())
        where = args.vdir
    else:
        flat = [ev for events in resources for ev in events]
        data = calendar(flat, tzids_of(flat), args.name).to_ical()
        if args.ics:
            write_atomic(args.ics, data)
            where = args.ics
        else:
            sys.stdout.buffer.write(data)
            where = "stdout"
    n_components = sum(len(r) for r in resources)
    print(
        f"seed.py: {len(resources)} events ({n_components} VEVENTs) -> {where}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
