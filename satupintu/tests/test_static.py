"""The portal's own stylesheet is collected and served with the admin's."""

from django.contrib.staticfiles import finders


def test_the_portal_stylesheet_is_found_by_collectstatic():
    assert finders.find("satupintu/site.css")
