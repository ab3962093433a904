"""Fixtures of the platform part of validation: shipped schemas, an agent and a dataset."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from tests import factories

HEADER = (
    "nomAttribuant,idAttribuant,dateConvention,referenceDecision,nomBeneficiaire,"
    "idBeneficiaire,objet,montant,nature,conditionsVersement,datesPeriodeVersement,"
    "idRAE,notificationUE,pourcentageSubvention"
)
ROW = (
    "VILLE EXEMPLE,21060004500392,2015-07-07,DEC 12,ASSOCIATION EXEMPLE,{siret},"
    "Fonctionnement,{amount},aide en numéraire,échelonné,2017-03-30/2017-05-24,,non,0.05"
)
VALID_SIRET = "52499120500013"


def subventions_csv(*, bad_sirets: int = 0, bad_amounts: int = 0, rows: int = 3) -> bytes:
    lines = [HEADER]
    for i in range(rows):
        siret = "52499120500014" if i < bad_sirets else VALID_SIRET
        amount = "beaucoup" if i < bad_amounts else f"{1000 + i}.50"
        lines.append(ROW.format(siret=siret, amount=amount))
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def upload(data: bytes, name: str = "subventions.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


@pytest.fixture
def schemas(db: Any) -> None:
    call_command("load_schemas", stdout=None)


@pytest.fixture
def world(db: Any, schemas: None) -> dict[str, Any]:
    org = factories.organisation(name="Commune de Valence")
    agent = factories.member(org, "agent")
    dataset = factories.entry(org, agent, kind="dataset", status="published", title="Subventions")
    return {"org": org, "agent": agent, "dataset": dataset}
