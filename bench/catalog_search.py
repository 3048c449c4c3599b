"""Service search over 272 malls x 250 services (68,000): p50/p95/p99 of /api/v1/services/?q=.

Usage: DATABASE_URL=postgres://... python bench/catalog_search.py [--reseed] [--rounds N]
The data goes to its own database (DATABASE_URL's name + "_bench_search"), seeded once, reused.
Target (DESIGN.md): p95 < 50 ms.
"""

import argparse
import csv
import statistics
import sys
import time

import harness

harness.setup("search")

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils.text import slugify  # noqa: E402

from satupintu.catalog.models import Service  # noqa: E402
from satupintu.catalog.search import document_text  # noqa: E402
from satupintu.malls.models import Agency, Mall  # noqa: E402

MALLS, SERVICES_PER_MALL = 272, 250
TARGET_P95_MS = 50.0
QUERIES = [
    "KTP",
    "ktp-el",
    "kartu tanda penduduk",
    "akta kelahiran",
    "akte kelahran",
    "kartu keluarga",
    "SKCK",
    "PBG",
    "izin mendirikan bangunan",
    "izin praktik dokter",
    "NPWP",
    "BPJS kesehatan",
    "pindah domisili",
    "sertipikat tanah",
    "pajak kendaraan",
    "paspor",
    "nib oss",
    "izin reklame",
    "surat keterangan",
    "perizinan usaha",
]


def catalog_rows() -> list[dict[str, str]]:
    rows = []
    for path in sorted((harness.ROOT / "demo").glob("catalog-*.csv")):
        with path.open(encoding="utf-8") as handle:
            rows.extend(csv.DictReader(handle))
    if not rows:
        sys.exit("bench needs the demo catalogs in demo/*.csv")
    return rows


def seed() -> None:
    rows = catalog_rows()
    Mall.objects.all().delete()
    malls = Mall.objects.bulk_create(
        Mall(
            name=f"MPP Bench {i:03d}",
            slug=f"bench-{i:03d}",
            kind=Mall.Kind.CITY,
            region_code=f"{11 + i % 80}.{i % 99:02d}",
            address="Jl. Bench",
        )
        for i in range(MALLS)
    )
    for index, mall in enumerate(malls):
        chosen = [rows[(index * 37 + k) % len(rows)] for k in range(SERVICES_PER_MALL)]
        agencies: dict[str, Agency] = {}
        for row in chosen:
            if row["agency_name"] not in agencies:
                agencies[row["agency_name"]] = Agency(
                    mall=mall,
                    name=row["agency_name"],
                    short_name=row["agency_short_name"],
                    kind=row["agency_kind"],
                    slug=slugify(row["agency_name"])[:90],
                )
        Agency.objects.bulk_create(agencies.values())
        services, seen = [], set()
        for k, row in enumerate(chosen):
            agency = agencies[row["agency_name"]]
            slug = f"{slugify(row['service_name'])[:100]}-{k}"
            if (agency.name, slug) in seen:
                continue
            seen.add((agency.name, slug))
            services.append(
                Service(
                    agency=agency,
                    name=row["service_name"],
                    slug=slug,
                    keywords=row["keywords"],
                    channel=row["channel"],
                    duration_working_days=int(row["duration_working_days"]),
                    fee_rupiah=int(row["fee_rupiah"]),
                    product=row["product"],
                    complaint_handling=row["complaint_handling"],
                    search_text=document_text(
                        row["service_name"],
                        row["keywords"],
                        row["product"],
                        agency.name,
                        agency.short_name,
                    ),
                )
            )
        Service.objects.bulk_create(services)
        if index % 34 == 0:
            print(f"  seeded {index + 1}/{MALLS} malls", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()

    expected = MALLS * SERVICES_PER_MALL
    if args.reseed or Service.objects.count() != expected:
        print(f"seeding {MALLS} malls x {SERVICES_PER_MALL} services ...", flush=True)
        started = time.perf_counter()
        seed()
        print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    total = Service.objects.count()

    client = Client()
    some_mall = Mall.objects.order_by("slug")[MALLS // 2].slug
    requests = [{"q": q} for q in QUERIES] + [{"q": q, "mall": some_mall} for q in QUERIES]
    for params in requests:  # warm-up: connection, caches, query plans
        client.get("/api/v1/services/", params)

    timings, per_query = [], {}
    for _ in range(args.rounds):
        for params in requests:
            started = time.perf_counter()
            response = client.get("/api/v1/services/", params)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, response.content[:300]
            timings.append(elapsed)
            per_query.setdefault(params["q"], []).append(elapsed)

    p50, p95, p99 = (harness.percentile(timings, p) for p in (50, 95, 99))
    print(
        f"services indexed: {total}; requests: {len(timings)} "
        f"({len(QUERIES)} queries, all malls and one mall, x{args.rounds})"
    )
    slowest = sorted(per_query.items(), key=lambda kv: -statistics.median(kv[1]))[:3]
    for query, values in slowest:
        print(f"  slowest: {query!r:32} median {statistics.median(values):6.1f} ms")
    print(f"search p50 = {p50:.1f} ms, p95 = {p95:.1f} ms, p99 = {p99:.1f} ms")
    print(
        f"p95 / target ({TARGET_P95_MS:.0f} ms) = {p95 / TARGET_P95_MS:.2f} "
        f"({'PASS' if p95 < TARGET_P95_MS else 'FAIL'})"
    )


if __name__ == "__main__":
    main()
