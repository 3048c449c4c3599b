"""Scheduled work of stats: the rollup of every mall's recent days into the count tables."""

from celery import shared_task

from satupintu.stats.services import rollup_recent


@shared_task(name="stats.rollup", ignore_result=True)
def rollup() -> int:
    return rollup_recent()
