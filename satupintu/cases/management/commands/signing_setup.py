"""Set up document signing: the demo CA (when on), agency keys, and what to publish."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from satupintu.cases import signing
from satupintu.malls.models import Agency


class Command(BaseCommand):
    help = (
        "Make the demo certificate authority if it is missing (SIGNING_DEMO_CA) and print the "
        "CA certificate's path and SHA-256 fingerprint; --agencies also makes (demo) or checks "
        "(production) every active agency's signing key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--agencies",
            action="store_true",
            help="Make or check the signing key of every active agency too.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path = signing.ca_certificate_path()
            fingerprint = signing.ca_fingerprint()
        except signing.SigningError as missing:
            raise CommandError(str(missing)) from missing
        self.stdout.write(_("CA certificate: %(path)s") % {"path": path})
        self.stdout.write(_("SHA-256 fingerprint: %(fingerprint)s") % {"fingerprint": fingerprint})
        if not options["agencies"]:
            return
        missing_keys = 0
        for agency in Agency.objects.filter(is_active=True).select_related("mall"):
            try:
                _key, cert = signing.ensure_agency_key(agency)
                signing.agency_material(agency)
            except signing.SigningError as problem:
                missing_keys += 1
                self.stderr.write(f"{agency.mall} · {agency.name}: {problem}")
            else:
                self.stdout.write(f"{agency.mall} · {agency.name}: {cert}")
        if missing_keys:
            raise CommandError(_("%(count)d agencies cannot sign yet.") % {"count": missing_keys})
