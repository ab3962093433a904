"""Triggers that refuse UPDATE and DELETE of journal records (see region27.journal.db)."""

from django.db import migrations

from region27.journal.db import install_triggers, remove_triggers


class Migration(migrations.Migration):
    dependencies = [("journal", "0001_initial")]

    operations = [migrations.RunPython(install_triggers, remove_triggers)]
