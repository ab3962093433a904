"""Routes of evaluations: page, brief for élus, plots and downloads."""

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
]
