"""DRF's plain tokens (rest_framework.authtoken) become hashed ApiTokens; the plain table goes.

Citizens' clients keep working with the token they hold until it expires; staff tokens are
not carried over (staff sign in to the back office). The plain secrets are dropped with the
table, as `migrate authtoken zero` would.
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def hash_plain_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if "authtoken_token" not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    User = apps.get_model("accounts", "User")
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, user_id, created FROM authtoken_token")
        rows = cursor.fetchall()
    staff = set(User.objects.filter(is_staff=True).values_list("pk", flat=True)) | set(
        User.objects.filter(is_superuser=True).values_list("pk", flat=True)
    )
    staff |= set(
        apps.get_model("malls", "StaffMembership").objects.values_list("user_id", flat=True)
    )
    expires = timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS)
    ApiToken.objects.bulk_create(
        ApiToken(
            user_id=user_id,
            name="API",
            key_hash=hashlib.sha256(key.encode()).hexdigest(),
            prefix=key[:8],
            expires=expires,
        )
        for key, user_id, _created in rows
        if user_id not in staff
    )
    schema_editor.execute("DROP TABLE authtoken_token")
    schema_editor.execute("DELETE FROM django_migrations WHERE app = 'authtoken'")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_api_token"),
        ("malls", "0001_initial"),
    ]

    operations = [migrations.RunPython(hash_plain_tokens, migrations.RunPython.noop)]
