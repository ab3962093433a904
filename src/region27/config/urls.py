"""Root URL configuration: each interface brings its own routes."""

from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("region27.web.urls_open")),
    path("", include("region27.web.urls")),
    path("", include("region27.web.urls_journal")),
    path("", include("region27.web.urls_search")),
    path("", include("region27.web.urls_validation")),
    path("", include("region27.web.urls_evaluation")),
    path("", include("region27.api.urls_v1")),
    path("", include("region27.api.urls_open")),
]

handler404 = "region27.web.views.errors.not_found"
handler500 = "region27.web.views.errors.server_error"
handler403 = "region27.web.views.errors.forbidden"
handler400 = "region27.web.views.errors.bad_request"
