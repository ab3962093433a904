"""Routes of the HTML interface (French paths, English names)."""

from django.urls import path

from region27.web.views import accounts, catalog, files, organisations, pages, territories, tokens

app_name = "web"

urlpatterns = [
    path("", pages.home, name="home"),
    # Uploaded files (MEDIA_URL), served to whoever may see what they belong to.
    path("media/<path:name>", files.stored_file, name="stored_file"),
    path("accessibilite/", pages.accessibility, name="accessibility"),
    path("mentions-legales/", pages.legal, name="legal"),
    path("confidentialite/", pages.privacy, name="privacy"),
    # Catalog
    path("catalogue/", catalog.catalog, name="catalog"),
    path("catalogue/nouvelle/", catalog.entry_new, name="entry_new"),
    path("catalogue/nouvelle/<slug:kind>/", catalog.entry_create, name="entry_create"),
    path("catalogue/<slug:slug>/", catalog.entry_detail, name="entry"),
    path("catalogue/<slug:slug>/historique/", catalog.entry_history, name="entry_history"),
    path(
        "catalogue/<slug:slug>/historique/<int:number>/",
        catalog.entry_version,
        name="entry_version",
    ),
    path(
        "catalogue/<slug:slug>/historique/<int:number>.json",
        catalog.entry_version_json,
        name="entry_version_json",
    ),
    path("catalogue/<slug:slug>/relecture/", catalog.entry_review, name="entry_review"),
    path(
        "catalogue/<slug:slug>/relecture/decision/",
        catalog.entry_review_decide,
        name="entry_review_decide",
    ),
    path(
        "catalogue/<slug:slug>/relecture/fichiers/<str:key>/",
        catalog.revision_file,
        name="revision_file",
    ),
    path(
        "catalogue/<slug:slug>/relecture/fichiers/<str:key>/retirer/",
        catalog.revision_file_withdraw,
        name="revision_file_withdraw",
    ),
    path(
        "catalogue/<slug:slug>/fichiers/<uuid:uuid>/proposer/",
        catalog.distribution_propose_replace,
        name="distribution_propose_replace",
    ),
    path("catalogue/<slug:slug>/modifier/", catalog.entry_edit, name="entry_edit"),
    path("catalogue/<slug:slug>/soumettre/", catalog.entry_submit, name="entry_submit"),
    path("catalogue/<slug:slug>/publier/", catalog.entry_publish, name="entry_publish"),
    path("catalogue/<slug:slug>/renvoyer/", catalog.entry_reject, name="entry_reject"),
    path("catalogue/<slug:slug>/archiver/", catalog.entry_archive, name="entry_archive"),
    path("catalogue/<slug:slug>/fichiers/", catalog.distribution_new, name="distribution_new"),
    path(
        "catalogue/<slug:slug>/fichiers/<uuid:uuid>/retirer/",
        catalog.distribution_delete,
        name="distribution_delete",
    ),
    path("a-valider/", catalog.queue, name="queue"),
    # Organisations
    path("organisations/", organisations.organisation_list, name="organisations"),
    path("organisations/<slug:slug>/", organisations.organisation_detail, name="organisation"),
    path(
        "organisations/<slug:slug>/membres/",
        organisations.organisation_members,
        name="organisation_members",
    ),
    path(
        "organisations/<slug:slug>/membres/<int:pk>/retirer/",
        organisations.organisation_member_remove,
        name="organisation_member_remove",
    ),
    # Territories
    path("territoires/", territories.territory_index, name="territories"),
    path("territoires/<str:level>/<str:code>/", territories.territory_detail, name="territory"),
    # Accounts
    path("compte/", accounts.account, name="account"),
    path("compte/connexion/", accounts.LoginView.as_view(), name="login"),
    path("compte/deconnexion/", accounts.logout_view, name="logout"),
    path("compte/inscription/", accounts.register, name="register"),
    path("compte/mes-donnees/", accounts.account_export, name="account_export"),
    path("compte/supprimer/", accounts.account_delete, name="account_delete"),
    path("compte/jetons/", tokens.tokens, name="tokens"),
    path("compte/jetons/<int:pk>/revoquer/", tokens.token_revoke_view, name="token_revoke"),
    path("compte/mot-de-passe/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path(
        "compte/mot-de-passe/envoye/",
        accounts.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "compte/mot-de-passe/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "compte/mot-de-passe/fait/",
        accounts.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("invitation/<str:token>/", accounts.invitation, name="invitation"),
]
