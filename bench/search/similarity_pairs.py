# ruff: noqa: E501
"""Hand-written pairs of related entries from different organisations (French).

Each pair describes the same need or the same piece of work as two organisations would
write it, with different words where real people would use different words. Used by
`bench/search/similarity.py` to measure « Déjà fait ailleurs ? ».
"""

from __future__ import annotations

# ((kind, title, summary), (kind, title, summary))
PAIRS: list[tuple[tuple[str, str, str], tuple[str, str, str]]] = [
    (
        (
            "study",
            "Étude sur la restauration scolaire bio",
            "Part des produits biologiques et locaux dans les repas servis aux écoliers.",
        ),
        (
            "study",
            "Diagnostic des cantines : approvisionnement local",
            "Comment nos cantines achètent-elles ? Circuits courts, bio et coût des repas.",
        ),
    ),
    (
        (
            "dataset",
            "Tonnages annuels des ordures ménagères collectées",
            "Quantités collectées par flux et par commune depuis 2015.",
        ),
        (
            "dataset",
            "Déchets ménagers : quantités collectées par commune",
            "Tonnes d'ordures résiduelles, d'emballages et de verre, année par année.",
        ),
    ),
    (
        (
            "software",
            "Logiciel libre de gestion des demandes de subvention",
            "Dépôt en ligne, instruction et suivi des subventions aux associations.",
        ),
        (
            "service",
            "Plateforme de dépôt des dossiers de subvention associative",
            "Les associations déposent leur demande d'aide financière et suivent son instruction.",
        ),
    ),
    (
        (
            "failure",
            "Extinction de l'éclairage public la nuit : un retour en arrière",
            "Les habitants se sont plaints du sentiment d'insécurité, la mesure a été annulée.",
        ),
        (
            "study",
            "Évaluation de la coupure nocturne de l'éclairage des rues",
            "Économies d'énergie, sécurité routière et perception des riverains après extinction.",
        ),
    ),
    (
        (
            "dataset",
            "Stationnements vélo et arceaux de la ville",
            "Emplacements des arceaux, box et consignes pour les vélos.",
        ),
        (
            "dataset",
            "Inventaire du stationnement cyclable",
            "Localisation et capacité des places de stationnement pour bicyclettes.",
        ),
    ),
    (
        (
            "study",
            "Étude d'opportunité d'une recyclerie intercommunale",
            "Gisement d'objets réemployables et modèle économique d'une ressourcerie.",
        ),
        (
            "kit",
            "Kit : ouvrir une ressourcerie sur son territoire",
            "Étapes, partenaires et budget pour lancer un lieu de réemploi des objets.",
        ),
    ),
    (
        (
            "service",
            "Réservation en ligne des créneaux des gymnases",
            "Les clubs réservent les salles de sport municipales sur un calendrier partagé.",
        ),
        (
            "software",
            "Outil libre de planification des équipements sportifs",
            "Gestion des plannings des salles et terrains de sport pour les associations.",
        ),
    ),
    (
        (
            "study",
            "Diagnostic de la mobilité des jeunes en zone rurale",
            "Comment les 16-25 ans se déplacent sans voiture dans les villages.",
        ),
        (
            "study",
            "Enquête sur les déplacements des adolescents dans les communes rurales",
            "Transport scolaire, covoiturage et autostop : les solutions des jeunes ruraux.",
        ),
    ),
    (
        (
            "failure",
            "Application de covoiturage abandonnée faute d'utilisateurs",
            "Trop peu de conducteurs inscrits : la plateforme a fermé au bout d'un an.",
        ),
        (
            "study",
            "Bilan du service de covoiturage domicile-travail",
            "Nombre de trajets partagés, profils des conducteurs et raisons du faible usage.",
        ),
    ),
    (
        (
            "dataset",
            "Qualité de l'eau du robinet par commune",
            "Résultats des analyses sanitaires de l'eau distribuée.",
        ),
        (
            "dataset",
            "Analyses de l'eau potable distribuée",
            "Conformité bactériologique et physico-chimique de l'eau de consommation.",
        ),
    ),
    (
        (
            "study",
            "Rénovation énergétique des écoles : audit du patrimoine",
            "Consommations de chauffage et travaux d'isolation prioritaires des bâtiments scolaires.",
        ),
        (
            "study",
            "Audit énergétique des bâtiments communaux",
            "Classement des bâtiments publics par consommation et plan pluriannuel de rénovation.",
        ),
    ),
    (
        (
            "kit",
            "Kit budget participatif",
            "Règlement, calendrier, vote en ligne et communication pour un premier budget participatif.",
        ),
        (
            "study",
            "Retour d'expérience sur notre premier budget participatif",
            "Projets proposés par les habitants, participation au vote et réalisations.",
        ),
    ),
    (
        (
            "dataset",
            "Délibérations du conseil municipal",
            "Toutes les délibérations adoptées depuis 2014, en texte intégral.",
        ),
        (
            "dataset",
            "Actes administratifs : délibérations et arrêtés",
            "Publication des décisions du conseil et des arrêtés du maire.",
        ),
    ),
    (
        (
            "software",
            "Logiciel de gestion des cimetières",
            "Concessions, emplacements et échéances des sépultures.",
        ),
        (
            "service",
            "Recherche en ligne des défunts et des concessions funéraires",
            "Retrouver une tombe et l'état d'une concession dans le cimetière communal.",
        ),
    ),
    (
        (
            "study",
            "Étude de faisabilité d'une centrale solaire sur le toit du gymnase",
            "Production photovoltaïque attendue, coût et montage avec une société citoyenne.",
        ),
        (
            "failure",
            "Panneaux photovoltaïques sur la mairie : les erreurs à éviter",
            "Toiture mal évaluée, raccordement tardif : notre projet solaire a pris deux ans de retard.",
        ),
    ),
    (
        (
            "dataset",
            "Arbres d'alignement de la ville",
            "Essence, hauteur et état sanitaire de chaque arbre de rue.",
        ),
        (
            "dataset",
            "Patrimoine arboré urbain",
            "Inventaire des arbres des parcs et des avenues avec leur espèce.",
        ),
    ),
    (
        (
            "study",
            "Schéma directeur des pistes cyclables",
            "Réseau cyclable cible à dix ans et programmation des aménagements.",
        ),
        (
            "study",
            "Plan vélo intercommunal",
            "Itinéraires cyclables à créer entre les communes et budget des aménagements.",
        ),
    ),
    (
        (
            "service",
            "Signalement des problèmes de voirie par les habitants",
            "Nids-de-poule, dépôts sauvages, lampadaires en panne : signalez en ligne.",
        ),
        (
            "software",
            "Application libre de remontée des anomalies dans l'espace public",
            "Les citoyens photographient un dysfonctionnement, les services le traitent.",
        ),
    ),
    (
        (
            "study",
            "Diagnostic de l'offre de soins et des déserts médicaux",
            "Densité de médecins généralistes et départs à la retraite prévus.",
        ),
        (
            "kit",
            "Kit : créer une maison de santé pluriprofessionnelle",
            "Attirer des médecins, monter le projet de santé et financer les locaux.",
        ),
    ),
    (
        (
            "dataset",
            "Horaires et fréquentation des piscines",
            "Ouverture des bassins et nombre d'entrées par jour.",
        ),
        (
            "dataset",
            "Fréquentation des équipements aquatiques",
            "Entrées mensuelles des centres nautiques et horaires d'ouverture au public.",
        ),
    ),
    (
        (
            "failure",
            "Échec de la mutualisation des services informatiques",
            "Trois communes ont tenté un service informatique commun : gouvernance trop floue.",
        ),
        (
            "study",
            "Étude sur la mutualisation du numérique entre communes",
            "Partager un service informatique intercommunal : coûts, scénarios et gouvernance.",
        ),
    ),
    (
        (
            "study",
            "Compostage des biodéchets des ménages",
            "Composteurs partagés, collecte séparée : quelle solution pour les déchets alimentaires ?",
        ),
        (
            "kit",
            "Kit tri à la source des déchets alimentaires",
            "Installer des composteurs de quartier et former des guides composteurs.",
        ),
    ),
    (
        (
            "dataset",
            "Budget primitif de la commune",
            "Dépenses et recettes votées par chapitre et par fonction.",
        ),
        (
            "dataset",
            "Comptes administratifs et budgets votés",
            "Données budgétaires de la collectivité au format du plan comptable M57.",
        ),
    ),
    (
        (
            "service",
            "Prise de rendez-vous en ligne pour les passeports",
            "Réserver un créneau en mairie pour une carte d'identité ou un passeport.",
        ),
        (
            "software",
            "Agenda libre de réservation des rendez-vous de titres d'identité",
            "Gestion des créneaux des guichets cartes d'identité et passeports.",
        ),
    ),
    (
        (
            "study",
            "Étude sur la vacance commerciale en centre-ville",
            "Commerces fermés, loyers et flux piétons dans le cœur de ville.",
        ),
        (
            "kit",
            "Kit revitalisation du centre-bourg",
            "Reconquérir les vitrines vides, aider les commerçants et aménager les rues.",
        ),
    ),
    (
        (
            "failure",
            "Vidéoprotection : des caméras installées sans effet mesurable",
            "Le nombre de délits n'a pas baissé, le coût de maintenance a explosé.",
        ),
        (
            "study",
            "Évaluation du dispositif de vidéosurveillance urbaine",
            "Effet des caméras sur la délinquance de voie publique et coût par caméra.",
        ),
    ),
    (
        (
            "dataset",
            "Bornes de recharge pour véhicules électriques",
            "Localisation, puissance et opérateur des points de charge.",
        ),
        (
            "dataset",
            "Points de charge des voitures électriques",
            "Emplacements des stations de recharge publiques et leurs caractéristiques.",
        ),
    ),
    (
        (
            "study",
            "Diagnostic de l'habitat indigne",
            "Logements insalubres repérés, propriétaires bailleurs et procédures engagées.",
        ),
        (
            "service",
            "Permis de louer : déclaration en ligne des mises en location",
            "Les propriétaires demandent l'autorisation de louer dans les quartiers ciblés contre l'insalubrité.",
        ),
    ),
    (
        (
            "software",
            "Portail libre de publication des données ouvertes",
            "Publier les jeux de données de la collectivité avec une API.",
        ),
        (
            "kit",
            "Kit ouvrir ses données publiques",
            "Choisir les premiers jeux de données, la licence et la plateforme open data.",
        ),
    ),
    (
        (
            "study",
            "Enquête sur l'illectronisme des habitants",
            "Part des habitants en difficulté avec les démarches administratives en ligne.",
        ),
        (
            "service",
            "Accompagnement des usagers aux démarches numériques",
            "Des conseillers numériques aident à faire les démarches sur internet.",
        ),
    ),
    (
        (
            "dataset",
            "Menus des cantines scolaires",
            "Menus de la semaine des restaurants scolaires avec les allergènes.",
        ),
        (
            "service",
            "Consultation des menus et inscription à la cantine",
            "Les familles consultent les repas servis à l'école et réservent les jours de cantine.",
        ),
    ),
    (
        (
            "failure",
            "Transport à la demande : un service trop peu utilisé",
            "Minibus réservables par téléphone, mais 2 voyageurs par jour en moyenne.",
        ),
        (
            "study",
            "Évaluation du transport à la demande en milieu rural",
            "Fréquentation, coût par voyage et profil des usagers du service de bus sur réservation.",
        ),
    ),
    (
        (
            "study",
            "Inventaire de la biodiversité communale",
            "Espèces animales et végétales recensées avec les habitants et les naturalistes.",
        ),
        (
            "dataset",
            "Observations naturalistes sur le territoire",
            "Relevés d'espèces de faune et de flore par les habitants et les associations.",
        ),
    ),
    (
        (
            "kit",
            "Kit désimperméabiliser les cours d'école",
            "Transformer une cour goudronnée en cour végétalisée, étape par étape.",
        ),
        (
            "study",
            "Cours oasis : bilan des premières cours d'école végétalisées",
            "Température, usage par les enfants et coût des travaux de végétalisation.",
        ),
    ),
    (
        (
            "dataset",
            "Accidents de la route sur le territoire",
            "Localisation et gravité des accidents corporels de la circulation.",
        ),
        (
            "study",
            "Diagnostic de sécurité routière",
            "Points noirs de l'accidentalité et aménagements pour réduire la vitesse.",
        ),
    ),
    (
        (
            "service",
            "Inscription en ligne aux activités périscolaires",
            "Accueil du matin et du soir, mercredis : les parents inscrivent leurs enfants.",
        ),
        (
            "software",
            "Logiciel libre de gestion de l'accueil périscolaire et de la facturation",
            "Inscriptions, pointage des présences et factures des familles.",
        ),
    ),
    (
        (
            "study",
            "Étude sur les besoins de garde de la petite enfance",
            "Places en crèche, assistantes maternelles et demandes des familles.",
        ),
        (
            "dataset",
            "Places d'accueil du jeune enfant",
            "Capacité des crèches et nombre d'assistantes maternelles agréées par commune.",
        ),
    ),
    (
        (
            "failure",
            "Chaudière bois de l'école : des pannes à répétition",
            "Approvisionnement en plaquettes irrégulier et maintenance mal prévue.",
        ),
        (
            "study",
            "Bilan des réseaux de chaleur biomasse communaux",
            "Chaufferies au bois : coûts, pannes et approvisionnement en plaquettes forestières.",
        ),
    ),
    (
        (
            "dataset",
            "Liste des associations de la commune",
            "Annuaire des associations avec leurs activités et contacts.",
        ),
        (
            "service",
            "Annuaire en ligne de la vie associative",
            "Trouver une association sportive, culturelle ou solidaire près de chez soi.",
        ),
    ),
    (
        (
            "study",
            "Plan alimentaire territorial : diagnostic agricole",
            "Production locale, circuits courts et besoins de la restauration collective.",
        ),
        (
            "kit",
            "Kit : monter un projet alimentaire territorial",
            "Réunir agriculteurs, cantines et habitants autour d'une alimentation locale.",
        ),
    ),
    (
        (
            "dataset",
            "Marchés publics attribués",
            "Données essentielles des marchés conclus : objet, titulaire, montant.",
        ),
        (
            "dataset",
            "Données de la commande publique",
            "Contrats passés par la collectivité avec les entreprises titulaires et leurs montants.",
        ),
    ),
    (
        (
            "software",
            "Logiciel libre de gestion du courrier et des parapheurs",
            "Enregistrement du courrier entrant et circuits de signature électronique.",
        ),
        (
            "failure",
            "Dématérialisation du courrier : un déploiement raté",
            "Le logiciel de gestion électronique du courrier a été rejeté par les agents.",
        ),
    ),
    (
        (
            "study",
            "Évaluation de la tarification sociale de l'eau",
            "Effet d'une première tranche gratuite sur les factures des ménages modestes.",
        ),
        (
            "study",
            "Tarif solidaire de l'eau potable : retour d'expérience",
            "Chèque eau et tarification progressive pour les foyers à faibles revenus.",
        ),
    ),
    (
        (
            "dataset",
            "Fréquentation des médiathèques",
            "Prêts, inscrits et entrées des bibliothèques du réseau.",
        ),
        (
            "study",
            "Étude des publics de la lecture publique",
            "Qui fréquente les bibliothèques et pourquoi certains habitants ne viennent pas.",
        ),
    ),
    (
        (
            "kit",
            "Kit : créer un tiers-lieu en milieu rural",
            "Coworking, atelier partagé, café associatif : démarrer et faire vivre le lieu.",
        ),
        (
            "failure",
            "Notre espace de coworking rural a fermé après deux ans",
            "Trop peu de télétravailleurs et un modèle économique fragile.",
        ),
    ),
    (
        (
            "dataset",
            "Dépôts sauvages de déchets signalés",
            "Localisation et volume des décharges sauvages relevées par les agents.",
        ),
        (
            "study",
            "Lutte contre les dépôts illégaux d'ordures",
            "Origine des dépôts sauvages, verbalisation et coût du ramassage.",
        ),
    ),
    (
        (
            "study",
            "Diagnostic des friches industrielles",
            "Sites industriels abandonnés, pollution des sols et potentiel de reconversion.",
        ),
        (
            "kit",
            "Kit reconvertir une friche",
            "Dépollution, montage financier et nouveaux usages d'un ancien site industriel.",
        ),
    ),
    (
        (
            "service",
            "Paiement en ligne des factures de la collectivité",
            "Régler la cantine, l'eau ou la crèche par carte bancaire sur internet.",
        ),
        (
            "software",
            "Module libre de télépaiement pour les régies municipales",
            "Encaissement des factures des familles par carte sur le portail citoyen.",
        ),
    ),
    (
        (
            "study",
            "Mesure de la qualité de l'air près des écoles",
            "Concentrations de dioxyde d'azote et de particules aux abords des établissements.",
        ),
        (
            "dataset",
            "Capteurs de pollution atmosphérique",
            "Mesures horaires de particules fines et de NO2 par des microcapteurs.",
        ),
    ),
    (
        (
            "failure",
            "Conseil citoyen : une instance qui s'est vidée",
            "Après six mois, plus personne ne venait aux réunions du conseil de quartier.",
        ),
        (
            "study",
            "Évaluation des instances de démocratie participative",
            "Conseils de quartier et conseils citoyens : participation et influence sur les décisions.",
        ),
    ),
    (
        (
            "dataset",
            "Logements sociaux par commune",
            "Nombre de logements locatifs sociaux et taux SRU.",
        ),
        (
            "dataset",
            "Parc locatif social",
            "Répertoire des logements des bailleurs sociaux : localisation, taille, loyer.",
        ),
    ),
    (
        (
            "study",
            "Étude de la fréquentation touristique",
            "Nuitées, origine des visiteurs et saisonnalité sur le territoire.",
        ),
        (
            "dataset",
            "Hébergements touristiques et nuitées",
            "Capacité des hôtels, campings et meublés de tourisme, nuitées mensuelles.",
        ),
    ),
    (
        (
            "kit",
            "Kit : mettre en place la collecte des encombrants sur rendez-vous",
            "Organisation, prise de rendez-vous et tarifs de l'enlèvement des objets volumineux.",
        ),
        (
            "service",
            "Demande d'enlèvement des encombrants",
            "Les habitants prennent rendez-vous pour faire enlever meubles et gros électroménager.",
        ),
    ),
    (
        (
            "study",
            "Étude sur l'emploi des jeunes décrocheurs",
            "Jeunes sans diplôme ni emploi : repérage et parcours d'insertion.",
        ),
        (
            "failure",
            "Chantier d'insertion pour les jeunes : les leçons d'un abandon",
            "Peu de jeunes orientés, encadrement insuffisant : le chantier a été arrêté.",
        ),
    ),
]
