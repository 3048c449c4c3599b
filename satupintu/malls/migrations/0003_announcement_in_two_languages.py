from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("malls", "0002_signatories_and_number_formats")]

    operations = [
        migrations.RenameField("announcement", "title", "title_id"),
        migrations.RenameField("announcement", "body", "body_id"),
        migrations.AlterField(
            "announcement",
            "title_id",
            models.CharField(max_length=200, verbose_name="title (Indonesian)"),
        ),
        migrations.AlterField(
            "announcement", "body_id", models.TextField(verbose_name="text (Indonesian)")
        ),
        migrations.AddField(
            "announcement",
            "title_en",
            models.CharField(
                blank=True,
                help_text="Empty: English readers see the Indonesian title.",
                max_length=200,
                verbose_name="title (English)",
            ),
        ),
        migrations.AddField(
            "announcement",
            "body_en",
            models.TextField(blank=True, verbose_name="text (English)"),
        ),
        migrations.AddField(
            "announcement",
            "rule",
            models.JSONField(
                blank=True,
                default=dict,
                editable=False,
                help_text="Set when a closure or restricted hours publish it; the text follows them.",
                verbose_name="terms of the rule",
            ),
        ),
    ]
