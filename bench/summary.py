"""The closing table of ``make bench``: one row per measured figure, then exit 1 if any failed.

Each benchmark appends its rows to var/bench-results.jsonl (``harness.record``); ``make bench``
empties the file first, runs every benchmark (a failing one does not stop the others) and ends here.
"""

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent.parent / "var" / "bench-results.jsonl"
COLUMNS = ("benchmark", "figure", "floor", "ratio", "bar", "result")


def main() -> None:
    rows = []
    if RESULTS.exists():
        rows = [json.loads(line) for line in RESULTS.read_text().splitlines() if line.strip()]
    table = [COLUMNS] + [
        (
            row["benchmark"],
            row["figure"],
            row["floor"],
            f"{row['ratio']:.2f}",
            row["bar"],
            "PASS" if row["passed"] else "FAIL",
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    for number, line in enumerate(table):
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
        if number == 0:
            print("  ".join("-" * width for width in widths))
    if not rows:
        sys.exit("no benchmark recorded a result")
    if not all(row["passed"] for row in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
