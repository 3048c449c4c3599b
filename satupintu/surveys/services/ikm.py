"""The arithmetic of the IKM (Indeks Kepuasan Masyarakat, PermenPANRB 14/2017): pure functions
over plain numbers, no database. ``surveys.selectors.ikm_results`` feeds them the sums it
counts; the ``stats`` app may call them on its own rollups.

- NRR (nilai rata-rata) of an element = sum of its scores / number of respondents answering it.
- IKM = Σ NRR × 1/9 (each of the nine elements weighs 1/9: the weighted average).
- Converted IKM (nilai interval konversi) = IKM × 25, from 25.00 to 100.00.
- Mutu (quality) by the converted value: A "Sangat baik" 88.31–100.00, B "Baik" 76.61–88.30,
  C "Kurang baik" 65.00–76.60, D "Tidak baik" 25.00–64.99 (IKM 3.5324–4.00, 3.0644–3.532,
  2.60–3.064, 1.00–2.5996).
- The sample a period needs (Krejcie–Morgan) for the population of service users in it.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ELEMENT_COUNT = 9
WEIGHT = Decimal(1) / Decimal(ELEMENT_COUNT)
CONVERSION = Decimal(25)
TWO_PLACES = Decimal("0.01")
FOUR_PLACES = Decimal("0.0001")

# Krejcie & Morgan (1970): chi-square for 1 degree of freedom at 95 % confidence, the
# population proportion assumed (0.5 gives the largest sample) and the margin of error.
CHI_SQUARE = Decimal("3.841")
PROPORTION = Decimal("0.5")
MARGIN = Decimal("0.05")


@dataclass(frozen=True)
class Mutu:
    """A quality grade: its letter, the regulation's name (Indonesian, as the report prints it)
    and the lowest converted IKM that earns it."""

    grade: str
    name: str
    floor: Decimal


# Highest first; the regulation's converted intervals (nilai interval konversi).
MUTU: tuple[Mutu, ...] = (
    Mutu("A", "Sangat baik", Decimal("88.31")),
    Mutu("B", "Baik", Decimal("76.61")),
    Mutu("C", "Kurang baik", Decimal("65.00")),
    Mutu("D", "Tidak baik", Decimal("25.00")),
)


def nrr(total: int, respondents: int) -> Decimal | None:
    """An element's NRR: the sum of its scores over the number who answered it (None when
    nobody did)."""
    if respondents <= 0:
        return None
    return Decimal(total) / Decimal(respondents)


def ikm(nrrs: Sequence[Decimal]) -> Decimal:
    """The IKM: Σ NRR × 1/9 over the nine elements' NRRs (1.00 to 4.00, unrounded)."""
    if len(nrrs) != ELEMENT_COUNT:
        raise ValueError(f"the IKM needs the NRR of all {ELEMENT_COUNT} elements")
    return sum((value * WEIGHT for value in nrrs), Decimal(0))


def converted(index: Decimal) -> Decimal:
    """The IKM on the 25-100 scale (× 25), to two decimals as the regulation prints it."""
    return (index * CONVERSION).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def mutu(converted_ikm: Decimal) -> Mutu:
    """The grade of a converted IKM (two decimals: the intervals meet without a gap there)."""
    value = converted_ikm.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
    for grade in MUTU:
        if value >= grade.floor:
            return grade
    return MUTU[-1]


def sample_size(population: int) -> int:
    """The number of respondents Krejcie–Morgan ask of a population of ``population`` service
    users: s = X²NP(1−P) / (d²(N−1) + X²P(1−P)), rounded to the nearest whole respondent as
    their table does (100 → 80, 1,000 → 278, 10,000 → 370, 1,000,000 → 384)."""
    if population <= 0:
        return 0
    n = Decimal(population)
    spread = CHI_SQUARE * PROPORTION * (1 - PROPORTION)
    size = n * spread / (MARGIN * MARGIN * (n - 1) + spread)
    return int(size.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class ElementResult:
    code: str
    total: int
    respondents: int
    nrr: Decimal | None

    @property
    def weighted(self) -> Decimal | None:
        """NRR × 1/9, the element's share of the IKM (NRR tertimbang)."""
        return None if self.nrr is None else self.nrr * WEIGHT


@dataclass(frozen=True)
class IkmResult:
    """The IKM of one scope and period: per element, the whole, its grade, and how many
    answered against how many the sample needs."""

    respondents: int
    population: int
    elements: tuple[ElementResult, ...]
    index: Decimal | None
    converted: Decimal | None
    mutu: Mutu | None

    @property
    def sample_needed(self) -> int:
        return sample_size(self.population)

    @property
    def sample_reached(self) -> bool:
        return self.respondents >= self.sample_needed

    @property
    def to_improve(self) -> ElementResult | None:
        """The element to improve first: the lowest NRR (the first of equals, in U1..U9
        order)."""
        scored = [e for e in self.elements if e.nrr is not None]
        return min(scored, key=lambda e: e.nrr or Decimal(0), default=None)

    @property
    def index_rounded(self) -> Decimal | None:
        return None if self.index is None else self.index.quantize(FOUR_PLACES, ROUND_HALF_UP)


def ikm_result(
    *,
    codes: Sequence[str],
    totals: Mapping[str, int],
    answered: Mapping[str, int],
    respondents: int,
    population: int,
) -> IkmResult:
    """Everything the results page and report show, from the sum of each element's scores
    (``totals``), how many answered it (``answered``), the respondents and the population."""
    elements = tuple(
        ElementResult(
            code=code,
            total=totals.get(code, 0),
            respondents=answered.get(code, 0),
            nrr=nrr(totals.get(code, 0), answered.get(code, 0)),
        )
        for code in codes
    )
    values = [e.nrr for e in elements]
    if respondents <= 0 or any(value is None for value in values):
        index = None
    else:
        index = ikm([value for value in values if value is not None])
    conv = None if index is None else converted(index)
    return IkmResult(
        respondents=respondents,
        population=population,
        elements=elements,
        index=index,
        converted=conv,
        mutu=None if conv is None else mutu(conv),
    )
