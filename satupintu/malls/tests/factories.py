import factory
from django.utils import timezone

from satupintu.accounts.models import User
from satupintu.malls.models import Agency, Announcement, Mall, OpeningHours, StaffMembership
from satupintu.malls.services import membership_grant


class MallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mall
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"MPP Kota Contoh {n}")
    slug = factory.Sequence(lambda n: f"kota-contoh-{n}")
    kind = Mall.Kind.CITY
    region_code = "32.71"
    address = "Jl. Merdeka No. 1"
    whatsapp = "+6281110001234"

    class Params:
        closed = factory.Trait(is_active=False)


class OpeningHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpeningHours

    mall = factory.SubFactory(MallFactory)
    weekday = 0
    opens = "08:00"
    closes = "15:30"


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    mall = factory.SubFactory(MallFactory)
    name = factory.Sequence(lambda n: f"Dinas Contoh {n}")
    slug = factory.Sequence(lambda n: f"dinas-contoh-{n}")
    kind = Agency.Kind.LOCAL

    class Params:
        vertical = factory.Trait(kind=Agency.Kind.VERTICAL)


class AnnouncementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Announcement

    mall = factory.SubFactory(MallFactory)
    title = factory.Sequence(lambda n: f"Pengumuman {n}")
    body = "Layanan tatap muka dibatasi."
    valid_from = factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(hours=1))
    valid_until = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=1))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "secret-pass-123")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy's signature
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMembership

    user = factory.SubFactory(UserFactory, is_staff=True)
    role = StaffMembership.Role.VERIFIER
    agency = factory.SubFactory(AgencyFactory)


def staff_member(
    *roles: str, mall: Mall | None = None, agency: Agency | None = None, **fields: object
) -> User:
    """A person holding each of ``roles`` in ``mall`` or ``agency``, granted as the admin grants
    them (which makes them staff)."""
    user = UserFactory(**fields)
    for role in roles:
        membership_grant(user=user, role=role, mall=mall, agency=agency)
    return user
