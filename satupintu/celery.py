"""The Celery app: workers deliver notifications and run periodic jobs.

Without CELERY_BROKER_URL (the embedded demo) tasks run in-process, eagerly.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satupintu.settings")

app = Celery("satupintu")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
