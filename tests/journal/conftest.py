from __future__ import annotations

from typing import Any

import pytest

from tests import factories


@pytest.fixture
def org_agent(db: Any) -> tuple[Any, Any]:
    org = factories.organisation()
    agent = factories.member(org, "agent")
    return org, agent
