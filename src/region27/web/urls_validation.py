"""Routes of référentiels and validation reports (HTML interface)."""

from django.urls import path

from region27.web.views import validation as v

app_name = "validation"

_RUN = "catalogue/<slug:slug>/fichiers/<uuid:uuid>/validation/<uuid:run>/"

urlpatterns = [
    path("valider/", v.public_validate, name="public"),
    path("referentiels/nouveau/", v.schema_new, name="schema_new"),
    path(
        "catalogue/<slug:slug>/versions/nouvelle/", v.schema_version_new, name="schema_version_new"
    ),
    path(
        "catalogue/<slug:slug>/versions/<str:version>/schema.json",
        v.schema_version_json,
        name="schema_version_json",
    ),
    path(
        "catalogue/<slug:slug>/fichiers/<uuid:uuid>/remplacer/",
        v.distribution_replace,
        name="replace",
    ),
    path(
        "catalogue/<slug:slug>/fichiers/<uuid:uuid>/schema/",
        v.distribution_declare,
        name="declare",
    ),
    path("catalogue/<slug:slug>/fichiers/<uuid:uuid>/validation/", v.report_latest, name="report"),
    path(_RUN, v.report_run, name="run"),
    path(_RUN + "etat/", v.run_status, name="run_status"),
    path(_RUN + "rapport.json", v.run_json, name="run_json"),
    path(_RUN + "rapport.csv", v.run_csv, name="run_csv"),
    path(_RUN + "rapport-tableur.csv", v.run_csv_excel, name="run_csv_excel"),
    path(_RUN + "decision/", v.run_decide, name="run_decide"),
]
