"""Accounts found and made by NIK: the same NIK however its digits were typed."""

import pytest

from satupintu.accounts.models import User
from satupintu.accounts.services import citizen_register, walk_in_citizen
from satupintu.malls.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_counter_finds_a_citizen_by_a_nik_in_full_width_digits():
    siti = UserFactory(nik="3271014501900001")
    found = walk_in_citizen(nik="３２７１ ０１４５ ０１９０ ０００１", name="Siti", phone="")
    assert found == siti
    assert User.objects.count() == 1


def test_a_walk_in_account_keeps_the_nik_in_ascii():
    made = walk_in_citizen(
        nik="3271.0145.0190.0001", name="Budi Santoso", phone="０８１２３４５６７８９０"
    )
    assert made.nik == made.username == "3271014501900001"
    assert made.phone == "+6281234567890"


def test_registration_stores_the_nik_in_ascii():
    user = citizen_register(
        full_name="Siti Aminah",
        nik="٣٢٧١٠١٤٥٠١٩٠٠٠٠١",
        phone="+6281234567890",
        email="",
        password="kunjungan-aman-2020",
    )
    assert user.nik == user.username == "3271014501900001"


def test_a_token_name_too_long_is_refused_not_cut():
    from django.core.exceptions import ValidationError

    from satupintu.accounts.models import ApiToken
    from satupintu.accounts.services import TOKEN_NAME_MAX, api_token_create

    user = UserFactory()
    with pytest.raises(ValidationError) as refused:
        api_token_create(user=user, name="t" * (TOKEN_NAME_MAX + 1))
    assert "name" in refused.value.message_dict and not ApiToken.objects.exists()
    token, _secret = api_token_create(user=user, name="t" * TOKEN_NAME_MAX)
    assert token.name == "t" * TOKEN_NAME_MAX
