"""The page of a sealed record, in a real Chromium: the public sees no organisation; the
organisation's admin opens the proof of authorship with the keyboard, without
JavaScript, at 390 px, with no serious axe-core violation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import SERIOUS, SiteData, format_violations, login, run_axe

pytestmark = pytest.mark.browser


def test_sealed_record_page(new_context: Any, axe_source: str, site_data: SiteData) -> None:
    from region27.accounts.models import Role
    from region27.journal.models import Record, SealedAuthorship
    from tests import factories

    org = site_data.organisation
    admin = factories.member(org, Role.ADMIN, email="admin@exemple.fr")
    detail = {**factories.DEFAULT_DETAILS["failure"], "anonymised": True}
    report = factories.entry(
        org, site_data.agent, kind="failure", status="published", title="Un échec tu", detail=detail
    )
    record = Record.objects.filter(kind="failure", object_id=report.pk).order_by("-seq")[0]
    nonce = bytes(SealedAuthorship.objects.get(object_id=report.pk).nonce).hex()
    path = f"/journal/{record.seq}/"

    public = new_context(java_script_enabled=False).new_page()
    public.goto(path)
    text = public.content()
    assert "Organisation non nommée" in text and org.name not in text and nonce[:16] not in text

    page = new_context(bypass_csp=True, viewport={"width": 390, "height": 844}).new_page()
    login(page, admin.email)
    page.goto(path)
    summary = page.locator("details#ouverture > summary")
    summary.focus()
    page.keyboard.press("Enter")
    details = page.locator("details#ouverture")
    assert details.get_attribute("open") is not None
    shown = details.inner_text()
    assert org.name in shown and nonce[:16] in shown
    # Nothing of the opening is wider than the phone's screen.
    assert details.evaluate("d => d.scrollWidth <= d.clientWidth + 1")
    violations = [v for v in run_axe(page, axe_source) if v["impact"] in SERIOUS]
    assert not violations, format_violations(path, violations)
