"""Index tokens changed: a word written without accents now has the stem of the accented
word (`text.stem`), so an existing index is rebuilt.

The rebuild uses the search services of the code being installed. On a new database the
index is empty and nothing runs. Should the rebuild fail (a later migration still to
apply, say), the index is left as it was and a message asks for `region27 search reindex`.
"""

import sys

from django.db import migrations, transaction


def forward(apps, schema_editor):
    alias = schema_editor.connection.alias
    if not apps.get_model("search", "SearchDocument").objects.using(alias).exists():
        return
    from region27.search.services import search_reindex

    try:
        with transaction.atomic(using=alias):
            result = search_reindex(alias=alias, warm=False)
    except Exception as error:  # noqa: BLE001 - the index is rebuilt by hand instead
        sys.stderr.write(
            f"\n  The search index was not rebuilt ({error}); "
            "run `region27 search reindex` after the migrations.\n"
        )
        return
    sys.stdout.write(f"\n  Search index rebuilt: {result.count} entries.\n")


class Migration(migrations.Migration):
    dependencies = [("search", "0003_changes")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
