"""The Celery app: workers deliver notifications and run periodic jobs.

Without CELERY_BROKER_URL (the embedded demo) tasks run in-process, eagerly.
"""

import os

from celery import Celery, signals

from satupintu import logs

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satupintu.settings")

app = Celery("satupintu")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The request id follows a request into its tasks; workers log as the web processes do.
signals.before_task_publish.connect(logs.task_publishing, weak=False)
signals.task_prerun.connect(logs.task_starting, weak=False)
signals.task_postrun.connect(logs.task_finished, weak=False)
signals.setup_logging.connect(logs.worker_logging, weak=False)
