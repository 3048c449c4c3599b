"""Message templates stored in Django's syntax rewritten for the sandbox (satupintu.templating),
where the two differ. The default wording holds only {{ name }} placeholders, the same in both,
so it is left as it is; a mall's own wording may use filters or tags."""

from django.db import migrations

from satupintu.templating import from_django

FIELDS = ("subject", "body", "html_body")


def forward(apps, schema_editor):
    MessageTemplate = apps.get_model("notify", "MessageTemplate")
    for template in MessageTemplate.objects.all():
        changed = [f for f in FIELDS if from_django(getattr(template, f)) != getattr(template, f)]
        for field in changed:
            setattr(template, field, from_django(getattr(template, field)))
        if changed:
            template.save(update_fields=changed)


class Migration(migrations.Migration):
    dependencies = [("notify", "0006_application_updated")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
