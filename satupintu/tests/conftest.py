"""Fixtures of the project-wide tests."""

import io
import logging

import pytest

from satupintu import logs


@pytest.fixture
def captured():
    """Every line any logger writes, at DEBUG, through the production formatter and filters."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.RequestIdFilter())
    handler.addFilter(logs.PersonalDataFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield buffer
    root.removeHandler(handler)
    root.setLevel(level)
