"""Each year's report counter starts at the highest number already given that year, so the
tracking IDs continue where the count left them (gaps included)."""

import re

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

TRACKING_ID = re.compile(r"^LPR-(\d{4})-(\d+)$")


def counters_from_tracking_ids(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Report = apps.get_model("complaints", "Report")
    ReportCounter = apps.get_model("complaints", "ReportCounter")
    highest: dict[int, int] = {}
    for tracking_id in (
        Report.objects.filter(tracking_id__startswith="LPR-")
        .values_list("tracking_id", flat=True)
        .iterator(chunk_size=5000)
    ):
        match = TRACKING_ID.match(tracking_id)
        if match:
            year, seq = int(match[1]), int(match[2])
            highest[year] = max(highest.get(year, 0), seq)
    for year, last in highest.items():
        ReportCounter.objects.update_or_create(year=year, defaults={"last": last})


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0006_report_counter"),
    ]

    operations = [
        migrations.RunPython(counters_from_tracking_ids, migrations.RunPython.noop),
    ]
