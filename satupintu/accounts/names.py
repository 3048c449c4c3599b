"""A person's name as typed: the first word the first name, the rest the last name."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The longest name of a person: it must fit in the first name (150 characters) whole, since
# the first word becomes the first name and the rest the last name. Longer is refused, not cut.
NAME_MAX = 150


def name_parts(name: str, *, field: str) -> tuple[str, str]:
    name = name.strip()
    if len(name) > NAME_MAX:
        raise ValidationError(
            {
                field: _("The name has %(n)s characters; at most %(limit)s are allowed.")
                % {"n": len(name), "limit": NAME_MAX}
            }
        )
    first, _space, last = name.partition(" ")
    return first, last
