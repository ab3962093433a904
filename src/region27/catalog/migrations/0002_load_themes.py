from django.db import migrations

THEME_SLUGS = [
    "administration",
    "amenagement",
    "culture",
    "developpement-durable",
    "economie",
    "education",
    "energie",
    "environnement",
    "finances",
    "innovation-sociale",
    "logement",
    "mobilite",
    "numerique",
    "participation",
    "sante",
    "securite",
    "sport-loisirs",
    "tourisme",
    "agriculture",
    "dechets",
]


def load_themes(apps, schema_editor):
    Theme = apps.get_model("catalog", "Theme")
    for position, slug in enumerate(THEME_SLUGS):
        Theme.objects.update_or_create(slug=slug, defaults={"position": position})


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(load_themes, migrations.RunPython.noop)]
