"""Statistical disclosure control of the open data: which cells of a mall's month (the mall,
each agency, each service; every figure) are withheld so that no small count can be read off
the table or worked out from it.

The rule (named so it can be argued with):

1. *Primary suppression, per cell*: every count from 1 to ``threshold`` - 1 is withheld.
2. *Complementary suppression, per additive relation*: the table holds totals and their parts
   (the mall = its agencies + reports or visits of no agency; an agency = its services + the
   rest; within one unit, applicants = booked check-ins + walk-ins + online applications,
   applications submitted = per channel, finished = on time + late, reports = per kind, per
   category and per deadline class). A relation whose total is shown and which has a withheld
   part must hold at least two withheld parts adding up to at least ``threshold`` (the part
   nobody publishes, the *rest*, counts as one when it is not zero); otherwise its smallest
   shown positive part is withheld too, or, when there is none, its total. A relation whose
   total is withheld must withhold one of its parts (when its rest is zero), or the total would
   be their sum. Repeated until nothing changes (it only ever adds cells, so it ends).
3. *Audit*: the relations together can still pin a cell that each one alone leaves open (a
   chain of totals and parts). Every relation is taken as an equation among its withheld
   cells (its rest, when not zero, an unknown of its own), solved exactly (``determined``);
   for each withheld cell it pins, the smallest shown positive cell of its relations (or of
   theirs, outwards) is withheld too, and rules 2 and 3 run again until none is pinned.
4. *Derived figures*: a mean, a percentile or the IKM is withheld with the count it is taken
   over (primary or complementary), and when that count is small or zero.

Withheld cells all look alike (``null``, ``suppressed``): telling a small count from a
complementary one would let a reader solve ``small + complement = known``. Rule 2's sum keeps
a pair of withheld cells from being bounded to a few values; the audit leaves no withheld
count exactly determined by the published ones (a test checks it on random tables with an
elimination of its own). It is not an audit of every interval
(as tau-ARGUS does with linear programming): a withheld count may be bounded, never pinned.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max

from satupintu.catalog.models import Service
from satupintu.complaints.models import Report
from satupintu.malls.models import Agency, Mall
from satupintu.stats.models import MallCount
from satupintu.stats.selectors import (
    Figures,
    Period,
    StatsFilter,
    figure_label,
    figures,
    figures_by_unit,
    figures_from,
)

# A unit of the table: ("mall", 0), ("agency", id) or ("service", id).
type Unit = tuple[str, int]
type Cell = tuple[Unit, str]

MALL: Unit = ("mall", 0)

# The count each mean, percentile or index is taken over.
DERIVED: dict[str, tuple[str, ...]] = {
    "wait_mean_seconds": ("visits_checked_in", "walk_ins"),
    "wait_p90_seconds": ("visits_checked_in", "walk_ins"),
    "serve_mean_seconds": ("visits_served",),
    "serve_p90_seconds": ("visits_served",),
    "applications_mean_working_days": ("applications_finished",),
    "complaints_rating_mean": ("complaints_ratings",),
    "ikm": ("ikm_respondents",),
}

# Totals and their parts within one unit's figures (keys of ``Figures.rows``).
_WITHIN: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("applicants", ("visits_checked_in", "walk_ins", "applications_submitted_online")),
    (
        "applications_submitted",
        (
            "applications_submitted_online",
            "applications_submitted_front_office",
            "applications_submitted_oss",
        ),
    ),
    (
        "applications_finished",
        ("applications_finished_on_time", "applications_finished_late"),
    ),
    ("complaints_received", tuple(f"complaints_{k}" for k in Report.Kind.values)),
    ("complaints_received", tuple(f"complaints_category_{k}" for k in Report.Category.values)),
    ("complaints_received", tuple(f"complaints_class_{k}" for k in Report.DeadlineClass.values)),
)


@dataclass(frozen=True)
class Relation:
    """``total`` = the sum of ``parts`` + ``rest`` (a part published nowhere)."""

    total: Cell
    parts: tuple[Cell, ...]
    rest: int


@dataclass(frozen=True)
class OpenTable:
    """A mall's figures of one period, per unit: the mall's, each agency's, each service's
    (with its agency's id)."""

    mall: Figures
    agencies: Mapping[int, Figures]
    services: Mapping[int, tuple[int, Figures]]
    units: dict[Unit, Figures] = field(init=False)

    def __post_init__(self) -> None:
        units: dict[Unit, Figures] = {MALL: self.mall}
        units.update({("agency", pk): found for pk, found in self.agencies.items()})
        units.update({("service", pk): found for pk, (_a, found) in self.services.items()})
        object.__setattr__(self, "units", units)


def open_table(*, mall: Mall, period: Period) -> OpenTable:
    """A mall's table of ``period``: every agency and service of it, with or without figures
    (six queries of the count tables besides the units'). Held whole: suppression weighs each
    cell against the others, and a mall has tens of units, not millions."""
    empty = figures_from({}, {}, channel=None)
    by_agency = figures_by_unit(mall=mall, period=period, by="agency")
    by_service = figures_by_unit(mall=mall, period=period, by="service")
    agencies = Agency.objects.filter(mall=mall).values_list("pk", flat=True)
    services = Service.objects.filter(agency__mall=mall).values_list("pk", "agency_id")
    return OpenTable(
        mall=figures(filter=StatsFilter(mall_id=mall.pk), period=period),
        agencies={pk: by_agency.get(pk, empty) for pk in agencies},
        services={pk: (agency, by_service.get(pk, empty)) for pk, agency in services},
    )


def _counts(table: OpenTable) -> dict[Cell, int]:
    out: dict[Cell, int] = {}
    for unit, found in table.units.items():
        for key, value in found.values().items():
            if key not in DERIVED and isinstance(value, int):
                out[(unit, key)] = value
    return out


def relations(table: OpenTable, counts: Mapping[Cell, int]) -> list[Relation]:
    """Every additive relation among the table's counts."""
    out: list[Relation] = []

    def add(total: Cell, parts: Sequence[Cell]) -> None:
        if total not in counts:
            return
        present = tuple(p for p in parts if p in counts)
        out.append(Relation(total, present, counts[total] - sum(counts[p] for p in present)))

    keys = {key for (_unit, key) in counts}
    for unit in table.units:
        for total, parts in _WITHIN:
            add((unit, total), [(unit, p) for p in parts])
    by_agency: dict[int, list[int]] = {pk: [] for pk in table.agencies}
    for service, (agency, _found) in table.services.items():
        by_agency.setdefault(agency, []).append(service)
    for key in sorted(keys):
        add((MALL, key), [(("agency", pk), key) for pk in table.agencies])
        for agency, services in by_agency.items():
            if ("agency", agency) in table.units:
                add((("agency", agency), key), [(("service", pk), key) for pk in services])
    return out


def _complement(parts: Iterable[Cell], counts: Mapping[Cell, int], held: set[Cell]) -> Cell | None:
    """The smallest shown positive part (the first in order among equals)."""
    shown = [(counts[p], n, p) for n, p in enumerate(parts) if p not in held and counts[p] > 0]
    return min(shown)[2] if shown else None


def _pair(
    rules: Sequence[Relation], counts: Mapping[Cell, int], held: set[Cell], threshold: int
) -> None:
    """Rule 2 on every relation, until nothing changes."""
    changed = True
    while changed:
        changed = False
        for rule in rules:
            held_parts = [counts[p] for p in rule.parts if p in held]
            if rule.total not in held:
                if not held_parts:
                    continue
                hidden = held_parts + ([rule.rest] if rule.rest > 0 else [])
                if len(hidden) >= 2 and sum(hidden) >= threshold:
                    continue
                extra = _complement(rule.parts, counts, held) or rule.total
            else:
                if held_parts or rule.rest > 0:
                    continue
                part = _complement(rule.parts, counts, held)
                if part is None:
                    continue
                extra = part
            held.add(extra)
            changed = True


def determined(rules: Sequence[Relation], held: set[Cell]) -> set[Cell]:
    """The withheld cells a reader could solve for from the shown ones: each relation is an
    equation among its withheld cells and its rest (an unknown of its own when not zero:
    the reader learns it only as far as the other equations tell), brought to reduced row
    echelon form exactly; a cell is determined when its row holds it alone."""
    pivots: dict[Cell, dict[Cell, Fraction]] = {}
    # For each variable, the pivots whose rows hold it (to reduce only those).
    holders: dict[Cell, set[Cell]] = {}

    def store(var: Cell, row: dict[Cell, Fraction]) -> None:
        for k in pivots.get(var, {}):
            holders[k].discard(var)
        pivots[var] = row
        for k in row:
            holders.setdefault(k, set()).add(var)

    for n, rule in enumerate(rules):
        row: dict[Cell, Fraction] = {}
        for cell, sign in [(rule.total, 1), *((p, -1) for p in rule.parts)]:
            if cell in held:
                row[cell] = row.get(cell, Fraction(0)) + sign
        if rule.rest:
            row[(("rest", n), "")] = Fraction(-1)
        row = {k: v for k, v in row.items() if v}
        # Pivot rows hold no other pivot: subtracting them brings in no pivot again.
        for var in [k for k in row if k in pivots]:
            factor = row[var]
            for k, v in pivots[var].items():
                row[k] = row.get(k, Fraction(0)) - factor * v
        row = {k: v for k, v in row.items() if v}
        if not row:
            continue
        var = min(row)
        row = {k: v / row[var] for k, v in row.items()}
        for other in list(holders.get(var, ())):
            other_row = dict(pivots[other])
            factor = other_row[var]
            for k, v in row.items():
                other_row[k] = other_row.get(k, Fraction(0)) - factor * v
            store(other, {k: v for k, v in other_row.items() if v})
        store(var, row)
    return {var for var, row in pivots.items() if len(row) == 1 and var in held}


def _nearest_shown(
    cell: Cell,
    by_cell: Mapping[Cell, Sequence[Relation]],
    counts: Mapping[Cell, int],
    held: set[Cell],
) -> Cell | None:
    """The smallest shown positive cell of ``cell``'s relations, or else of the relations of
    the withheld cells around it, and so on outwards."""
    seen, ring = {cell}, [cell]
    while ring:
        around = [
            c
            for current in ring
            for rule in by_cell.get(current, [])
            for c in (*rule.parts, rule.total)
        ]
        found = _complement([c for c in around if c not in seen], counts, held)
        if found is not None:
            return found
        ring = [c for c in dict.fromkeys(around) if c not in seen and c in held]
        seen.update(ring)
    return None


def withheld(table: OpenTable, *, threshold: int) -> set[Cell]:
    """The cells of ``table`` to withhold (the module's rule)."""
    counts = _counts(table)
    held = {cell for cell, value in counts.items() if 0 < value < threshold}
    rules = relations(table, counts)
    by_cell: dict[Cell, list[Relation]] = {}
    for rule in rules:
        for cell in (rule.total, *rule.parts):
            by_cell.setdefault(cell, []).append(rule)
    while True:
        _pair(rules, counts, held, threshold)
        solvable = determined(rules, held)
        if not solvable:
            break
        # Withhold one more cell beside each that can be solved (rule 3).
        added = False
        for cell in sorted(solvable):
            extra = _nearest_shown(cell, by_cell, counts, held)
            if extra is not None:
                held.add(extra)
                added = True
        if not added:
            break
    for unit, found in table.units.items():
        values = found.values()
        for key, bases in DERIVED.items():
            base = sum(int(values.get(b) or 0) for b in bases)
            small = 0 < base < threshold
            unmeasured_base = base == 0 and values.get(key) is not None
            if small or unmeasured_base or any((unit, b) in held for b in bases):
                held.add((unit, key))
    return held


@dataclass(frozen=True)
class PublicFigure:
    key: str
    label: str
    value: float | int | None
    suppressed: bool


def public_rows(found: Figures, *, unit: Unit, held: set[Cell]) -> list[PublicFigure]:
    """One unit's figures as open data: the withheld ones as None, ``suppressed``."""
    return [
        PublicFigure(key, label, None if (unit, key) in held else value, (unit, key) in held)
        for key, label, value in found.rows()
    ]


# One unit's published cells, (key, value, suppressed) in ``Figures.values`` order: the value
# None when withheld. No label (translated when shown) and no withheld count.
type PublicCells = tuple[tuple[str, float | int | None, bool], ...]
type PublicTable = dict[Unit, PublicCells]


def public_table(table: OpenTable, *, threshold: int) -> PublicTable:
    """``table`` as it is published: every withheld cell already None."""
    held = withheld(table, threshold=threshold)
    return {
        unit: tuple(
            (key, None if (unit, key) in held else value, (unit, key) in held)
            for key, value in found.values().items()
        )
        for unit, found in table.units.items()
    }


def _table_version(mall: Mall, period: Period) -> str:
    """What changes whenever the rollup writes ``mall``'s days of ``period``: the latest
    ``rolled_up_at`` of its mall-wide day rows (a rerun writes every row of its days anew) and
    their number (a rerun that leaves a day with no row lowers it). One query on the key."""
    found = MallCount.objects.filter(
        mall=mall, span=MallCount.Span.DAY, day__range=(period.start, period.end)
    ).aggregate(last=Max("rolled_up_at"), rows=Count("pk"))
    last = found["last"].isoformat() if found["last"] is not None else "-"
    return f"{last}:{found['rows']}"


def cached_public_table(*, mall: Mall, period: Period, threshold: int) -> PublicTable:
    """``mall``'s published table of ``period``, from the default cache when the count rows
    have not changed since it was made (``_table_version``), else made (0.3-2 s: the exact
    audit of ``withheld``) and kept for ``STATS_OPEN_CACHE_SECONDS``. Only the published
    cells are kept, never a withheld count."""
    key = ":".join(
        [
            "stats:open",
            str(mall.pk),
            period.start.isoformat(),
            period.end.isoformat(),
            str(threshold),
            _table_version(mall, period),
        ]
    )
    found: PublicTable | None = cache.get(key)
    if found is None:
        found = public_table(open_table(mall=mall, period=period), threshold=threshold)
        cache.set(key, found, settings.STATS_OPEN_CACHE_SECONDS)
    return found


def published_rows(table: PublicTable, unit: Unit) -> list[PublicFigure]:
    """One unit's published figures with their labels. A unit the table has not (an agency
    or service made since it was) has no counts: its empty figures, nothing withheld (a unit
    of zeros withholds nothing, here or elsewhere)."""
    cells = table.get(unit)
    if cells is None:
        empty = figures_from({}, {}, channel=None)
        cells = tuple((key, value, False) for key, value in empty.values().items())
    return [
        PublicFigure(key, figure_label(key), value, suppressed) for key, value, suppressed in cells
    ]
