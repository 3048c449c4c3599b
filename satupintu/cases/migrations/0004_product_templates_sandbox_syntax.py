"""Product templates stored in Django's syntax rewritten for the sandbox (satupintu.templating),
where the two differ: filter arguments, {% empty %}, forloop, {% load %}, {% translate %}."""

from django.db import migrations

from satupintu.templating import from_django


def forward(apps, schema_editor):
    ProductTemplate = apps.get_model("cases", "ProductTemplate")
    for template in ProductTemplate.objects.all():
        body = from_django(template.body)
        if body != template.body:
            template.body = body
            template.save(update_fields=["body"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_workflow_policy_and_changes")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
