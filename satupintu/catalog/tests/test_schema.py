"""Form schema labels in the reader's language."""

from satupintu.catalog.selectors import field_label


def test_a_field_label_follows_the_language_and_falls_back_to_indonesian():
    field = {"name": "alamat", "label": {"id": "Alamat", "en": "Address"}, "type": "text"}
    assert field_label(field, "en") == "Address"
    assert field_label(field, "id") == "Alamat"
    assert field_label({"name": "x", "label": {"id": "Nama"}}, "en") == "Nama"
    assert field_label({"name": "x", "label": "Fungsi bangunan"}, "en") == "Fungsi bangunan"
