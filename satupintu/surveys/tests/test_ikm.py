"""The IKM's arithmetic (PermenPANRB 14/2017) and the Krejcie–Morgan sample, by hand."""

from decimal import Decimal

import pytest

from satupintu.surveys.services.ikm import converted, ikm, ikm_result, mutu, nrr, sample_size

CODES = [f"U{n}" for n in range(1, 10)]


@pytest.mark.parametrize(
    ("population", "sample"),
    [(100, 80), (1_000, 278), (10_000, 370), (1_000_000, 384)],
)
def test_krejcie_morgan_gives_the_tables_sample(population, sample):
    # s = X²NP(1−P) / (d²(N−1) + X²P(1−P)), X² = 3.841, P = 0.5, d = 0.05, so X²P(1−P) = 0.96025:
    #   N = 100:       96.025 / (0.2475 + 0.96025)         = 79.51  -> 80
    #   N = 1,000:     960.25 / (2.4975 + 0.96025)         = 277.71 -> 278
    #   N = 10,000:    9602.5 / (24.9975 + 0.96025)        = 369.93 -> 370
    #   N = 1,000,000: 960250 / (2499.9975 + 0.96025)      = 383.96 -> 384
    assert sample_size(population) == sample


def test_krejcie_morgan_rounds_to_the_nearest_as_the_table_does_and_zero_needs_none():
    # N = 50: 48.0125 / (0.1225 + 0.96025) = 44.34: the table says 44 (not 45: no ceiling).
    assert sample_size(50) == 44
    assert sample_size(0) == 0


def test_a_worked_example_by_hand():
    # Four respondents:     U1 U2 U3 U4 U5 U6 U7 U8 U9
    #   R1                   4  4  3  3  4  4  4  3  4
    #   R2                   3  3  3  4  3  3  4  3  3
    #   R3                   3  2  2  4  3  3  3  2  3
    #   R4                   4  3  2  4  4  3  4  3  3
    # Sums                  14 12 10 15 14 13 15 11 13
    # NRR (sum / 4)        3.5 3.0 2.5 3.75 3.5 3.25 3.75 2.75 3.25
    # Σ NRR = 29.25; IKM = 29.25 × 1/9 = 3.25; converted = 3.25 × 25 = 81.25 -> B "Baik"
    # (76.61-88.30). The lowest NRR is U3's (2.5): improve the time to complete first.
    # Population 5: s = 3.841 × 5 × 0.25 / (0.0025 × 4 + 0.96025) = 4.80125 / 0.97025 = 4.95
    # -> 5 respondents needed, 4 answered: not reached.
    sums = [14, 12, 10, 15, 14, 13, 15, 11, 13]
    result = ikm_result(
        codes=CODES,
        totals=dict(zip(CODES, sums, strict=True)),
        answered=dict.fromkeys(CODES, 4),
        respondents=4,
        population=5,
    )
    assert [e.nrr for e in result.elements] == [
        Decimal(v) for v in ("3.5", "3", "2.5", "3.75", "3.5", "3.25", "3.75", "2.75", "3.25")
    ]
    assert result.index_rounded == Decimal("3.2500")
    assert result.converted == Decimal("81.25")
    assert (result.mutu.grade, result.mutu.name) == ("B", "Baik")
    assert result.to_improve.code == "U3"
    assert (result.sample_needed, result.sample_reached) == (5, False)


@pytest.mark.parametrize(
    ("index", "score", "grade"),
    [
        ("4.00", "100.00", "A"),
        ("3.5324", "88.31", "A"),
        ("3.532", "88.30", "B"),
        ("3.0644", "76.61", "B"),
        ("3.064", "76.60", "C"),
        ("2.60", "65.00", "C"),
        ("2.5996", "64.99", "D"),
        ("1.00", "25.00", "D"),
    ],
)
def test_the_regulations_intervals_meet_at_their_edges(index, score, grade):
    assert converted(Decimal(index)) == Decimal(score)
    assert mutu(converted(Decimal(index))).grade == grade


def test_nothing_answered_is_no_index_and_the_ikm_needs_nine_elements():
    assert nrr(0, 0) is None
    empty = ikm_result(codes=CODES, totals={}, answered={}, respondents=0, population=100)
    assert (empty.index, empty.converted, empty.mutu, empty.to_improve) == (None, None, None, None)
    assert empty.sample_needed == 80
    with pytest.raises(ValueError, match="9"):
        ikm([Decimal(4)] * 8)
