"""Routes of evaluations (page, brief for élus, plots, downloads), indicators and the
request of an experiment's evaluation."""

from django.urls import path

from region27.web.views import evaluation as v

app_name = "evaluation"

urlpatterns = [
    path("evaluations/", v.evaluation_list, name="list"),
    path("evaluations/<int:pk>/", v.evaluation_detail, name="detail"),
    path("evaluations/<int:pk>/argumentaire/", v.evaluation_brief, name="brief"),
    path("evaluations/<int:pk>/<str:plot>.svg", v.evaluation_svg, name="svg"),
    path("evaluations/<int:pk>/evaluation.json", v.evaluation_json, name="json"),
    path("evaluations/<int:pk>/<str:table>.csv", v.evaluation_csv, name="csv"),
    path("indicateurs/", v.indicator_list_view, name="indicators"),
    path("indicateurs/nouveau/", v.indicator_create, name="indicator_create"),
    path("indicateurs/<slug:slug>/", v.indicator_detail, name="indicator"),
    path("indicateurs/<slug:slug>/valeurs.csv", v.indicator_values_csv, name="indicator_csv"),
    path("indicateurs/<slug:slug>/importer/", v.indicator_import, name="indicator_import"),
    path("experimentations/<slug:slug>/evaluer/", v.evaluation_request, name="request"),
]
