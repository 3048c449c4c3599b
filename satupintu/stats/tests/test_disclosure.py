"""Small counts in the open data are withheld per cell, with the complements that stop them
being worked out by difference; checked by hand and, on random tables, by exact elimination
(no withheld cell is determined by the published ones)."""

import random
from collections import Counter
from fractions import Fraction

import pytest

from satupintu.complaints.models import Report
from satupintu.stats.disclosure import MALL, OpenTable, public_rows, withheld
from satupintu.stats.selectors import Figures, figures_from

THRESHOLD = 5


def _figures(raw: Counter[str]) -> Figures:
    return figures_from(raw, {}, channel=None)


def _table(services: dict[int, tuple[int, Counter[str]]], unrouted: Counter[str] | None = None):
    """Agencies and the mall summed from their services (the mall also from ``unrouted``)."""
    agencies: dict[int, Counter[str]] = {}
    for agency, raw in services.values():
        agencies.setdefault(agency, Counter()).update(raw)
    mall = Counter(unrouted or {})
    for raw in agencies.values():
        mall.update(raw)
    return OpenTable(
        mall=_figures(mall),
        agencies={pk: _figures(raw) for pk, raw in agencies.items()},
        services={pk: (agency, _figures(raw)) for pk, (agency, raw) in services.items()},
    )


def _shown(table: OpenTable, held, unit, key):
    rows = {row.key: row for row in public_rows(table.units[unit], unit=unit, held=held)}
    return rows[key].value


def test_a_total_with_one_small_part_withholds_a_second_part_by_hand():
    # Walk-ins: the mall 9 = agency 1 (7) + agency 2 (2). 2 < 5 is withheld; were 7 shown,
    # 9 - 7 = 2 would be, so 7 is withheld too (the smallest shown part), the mall's 9 stays.
    table = _table({10: (1, Counter(walk_ins=7)), 20: (2, Counter(walk_ins=2))})
    held = withheld(table, threshold=THRESHOLD)
    assert _shown(table, held, MALL, "walk_ins") == 9
    for unit in [("agency", 1), ("agency", 2), ("service", 10), ("service", 20)]:
        assert (unit, "walk_ins") in held
        assert _shown(table, held, unit, "walk_ins") is None
    # An agency's applicants are its walk-ins alone here: withheld with them.
    assert (("agency", 1), "applicants") in held
    # Zero is shown: it reveals nobody.
    assert _shown(table, held, ("agency", 1), "visits_booked") == 0


def test_two_small_parts_adding_up_to_less_than_the_threshold_take_a_third():
    # 2 + 1 = 3 < 5: shown 20 - 17 = 3 would bound both; the 17 is withheld too.
    table = _table(
        {1: (1, Counter(walk_ins=2)), 2: (2, Counter(walk_ins=1)), 3: (3, Counter(walk_ins=17))}
    )
    held = withheld(table, threshold=THRESHOLD)
    assert {("agency", n) for n in (1, 2, 3)} <= {unit for unit, key in held if key == "walk_ins"}
    assert (MALL, "walk_ins") not in held


def test_a_single_small_part_with_nothing_to_pair_withholds_the_total():
    # One agency of the mall: the mall equals it, so the mall's 3 is small itself; a mall
    # whose only other walk-ins are unrouted (a rest nobody publishes) keeps its total.
    alone = _table({1: (1, Counter(walk_ins=3))})
    assert (MALL, "walk_ins") in withheld(alone, threshold=THRESHOLD)
    with_rest = _table({1: (1, Counter(walk_ins=3))}, unrouted=Counter(walk_ins=6))
    held = withheld(with_rest, threshold=THRESHOLD)
    assert (MALL, "walk_ins") not in held and (("agency", 1), "walk_ins") in held


def test_means_go_with_the_counts_they_are_taken_over():
    busy = Counter(walk_ins=40, wait_seconds=40 * 600, wait_count=40)
    quiet = Counter(walk_ins=2, wait_seconds=2 * 60, wait_count=2)
    table = _table({1: (1, busy), 2: (2, quiet)})
    held = withheld(table, threshold=THRESHOLD)
    # The quiet agency's 2 is small; the busy one's 40 is its complement: both means withheld.
    assert (("agency", 2), "wait_mean_seconds") in held
    assert (("agency", 1), "wait_mean_seconds") in held
    assert (MALL, "wait_mean_seconds") not in held
    assert _shown(table, held, MALL, "wait_mean_seconds") == round(
        24120 / 42, 2
    )  # (40 × 600 + 2 × 60) / 42


def test_a_complaints_kind_cannot_be_read_from_the_total_less_the_others():
    raw = Counter(
        complaints_received=12,
        complaints_kind_pengaduan=10,
        complaints_kind_aspirasi=2,
        complaints_category_layanan=12,
        complaints_class_5=12,
    )
    table = _table({1: (1, raw)}, unrouted=Counter(walk_ins=50))
    held = withheld(table, threshold=THRESHOLD)
    assert (MALL, "complaints_aspirasi") in held
    assert (MALL, "complaints_pengaduan") in held
    assert (MALL, "complaints_received") not in held


# --- an independent audit on random tables ----------------------------------------------

_WITHIN = [
    ("applicants", ["visits_checked_in", "walk_ins", "applications_submitted_online"]),
    (
        "applications_submitted",
        [
            "applications_submitted_online",
            "applications_submitted_front_office",
            "applications_submitted_oss",
        ],
    ),
    ("applications_finished", ["applications_finished_on_time", "applications_finished_late"]),
    ("complaints_received", [f"complaints_{k}" for k in Report.Kind.values]),
    ("complaints_received", [f"complaints_category_{k}" for k in Report.Category.values]),
    ("complaints_received", [f"complaints_class_{k}" for k in Report.DeadlineClass.values]),
]
_COUNTS = sorted(
    {key for total, parts in _WITHIN for key in (total, *parts)}
    | {"visits_booked", "visits_served", "no_shows", "applications_returned"}
)


def _random_raw(rng: random.Random) -> Counter[str]:
    def small() -> int:
        return rng.choice([0, 0, 0, 1, 2, 3, 4, 6, 9, 15, 40])

    raw = Counter(
        visits_booked=small(),
        visits_checked_in=small(),
        walk_ins=small(),
        visits_served=small(),
        applications_submitted_online=small(),
        applications_submitted_front_office=small(),
        applications_submitted_oss=small(),
        applications_returned=small(),
    )
    raw["applications_finished"] = small()
    raw["applications_finished_on_time"] = rng.randint(0, raw["applications_finished"])
    for _n in range(small()):
        raw["complaints_received"] += 1
        raw[f"complaints_kind_{rng.choice(Report.Kind.values)}"] += 1
        raw[f"complaints_category_{rng.choice(Report.Category.values)}"] += 1
        raw[f"complaints_class_{rng.choice(Report.DeadlineClass.values)}"] += 1
    return raw


def _determined(table: OpenTable, held) -> set:
    """The withheld cells a reader can solve from the shown ones: each relation an equation
    (a rest nobody publishes, when not zero, one more unknown), reduced exactly."""
    values = {
        (unit, key): value
        for unit, found in table.units.items()
        for key, _label, value in found.rows()
        if key in _COUNTS
    }
    equations: list[dict] = []

    def relation(total, parts) -> None:
        rest = values[total] - sum(values[p] for p in parts)
        row: dict = {}
        for cell, sign in [(total, 1), *((p, -1) for p in parts)]:
            if cell in held:
                row[cell] = row.get(cell, 0) + sign
        if rest:
            row[("rest", len(equations))] = -1
        if row:
            equations.append({k: Fraction(v) for k, v in row.items() if v})

    for unit in table.units:
        for total, parts in _WITHIN:
            relation((unit, total), [(unit, p) for p in parts])
    for key in _COUNTS:
        relation((MALL, key), [(("agency", pk), key) for pk in table.agencies])
        for agency in table.agencies:
            services = [pk for pk, (a, _f) in table.services.items() if a == agency]
            relation((("agency", agency), key), [(("service", pk), key) for pk in services])
    pivots: list[tuple[object, dict]] = []
    for equation in equations:
        row = dict(equation)
        for var, pivot_row in pivots:
            if row.get(var):
                factor = row[var]
                for k, v in pivot_row.items():
                    row[k] = row.get(k, 0) - factor * v
                row = {k: v for k, v in row.items() if v}
        if row:
            var = next(iter(row))
            row = {k: v / row[var] for k, v in row.items()}
            for n, (other, other_row) in enumerate(pivots):
                if other_row.get(var):
                    factor = other_row[var]
                    merged = {
                        k: other_row.get(k, 0) - factor * row.get(k, 0) for k in {*other_row, *row}
                    }
                    pivots[n] = (other, {k: v for k, v in merged.items() if v})
            pivots.append((var, row))
    return {var for var, row in pivots if len(row) == 1 and var in held}


@pytest.mark.parametrize("seed", range(300))
def test_no_withheld_count_of_a_random_mall_is_determined_by_the_shown_ones(seed):
    rng = random.Random(seed)
    services: dict[int, tuple[int, Counter[str]]] = {}
    for agency in range(1, rng.randint(2, 5)):
        for _n in range(rng.randint(1, 3)):
            services[len(services) + 1] = (agency, _random_raw(rng))
    unrouted = _random_raw(rng) if rng.random() < 0.3 else None
    if unrouted is not None:
        # Only reports can be unrouted; every visit and application has its agency.
        unrouted = Counter({k: v for k, v in unrouted.items() if k.startswith("complaints")})
    table = _table(services, unrouted)
    held = withheld(table, threshold=THRESHOLD)
    for unit, found in table.units.items():
        for key, _label, value in found.rows():
            if key in _COUNTS and 0 < value < THRESHOLD:
                assert (unit, key) in held, (unit, key, value)
    assert _determined(table, held) == set()


def test_values_are_the_rows_without_their_labels():
    raw = _random_raw(random.Random(7))
    found = _figures(raw)
    assert found.values() == {key: value for key, _label, value in found.rows()}
