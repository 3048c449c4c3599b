"""Satu Pintu: one door to every public service of a Mal Pelayanan Publik."""

from satupintu.celery import app as celery_app

__all__ = ["celery_app"]
