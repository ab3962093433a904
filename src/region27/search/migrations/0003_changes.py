"""Incremental facet arrays: a write counter, a log of changed entries, a title index."""

from django.db import migrations, models

# The title order used by `sort=title` (byte order on both databases), read by the
# facet arrays when an entry's title changes.
TITLE_INDEX = {
    "sqlite": ["CREATE INDEX search_document_title ON search_document (title_sort, entry_id)"],
    "postgresql": [
        'CREATE INDEX search_document_title ON search_document (title_sort COLLATE "C", entry_id)'
    ],
}
TITLE_INDEX_BACKWARD = ["DROP INDEX IF EXISTS search_document_title"]


def forward(apps, schema_editor):
    for sql in TITLE_INDEX.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)
    state_model = apps.get_model("search", "SearchState")
    state = state_model.objects.filter(pk=1).first()
    if state is None:
        state = state_model.objects.create(pk=1, token="", seq=0)
    # The change the current state stands for, so that the first write can be patched
    # into arrays built before it (see `store`).
    apps.get_model("search", "SearchChange").objects.get_or_create(
        seq=state.seq, defaults={"token": state.token, "entry_id": None}
    )


def backward(apps, schema_editor):
    for sql in TITLE_INDEX_BACKWARD:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("search", "0002_fulltext")]

    operations = [
        migrations.AddField(
            model_name="searchstate",
            name="seq",
            field=models.BigIntegerField(default=0),
        ),
        migrations.CreateModel(
            name="SearchChange",
            fields=[
                ("seq", models.BigIntegerField(primary_key=True, serialize=False)),
                ("token", models.CharField(max_length=32)),
                ("entry_id", models.BigIntegerField(null=True)),
            ],
            options={"db_table": "search_change"},
        ),
        migrations.RunPython(forward, backward),
    ]
