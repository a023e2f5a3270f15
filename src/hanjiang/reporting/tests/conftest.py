from __future__ import annotations

import pytest

from hanjiang.reporting.metadata import metadata_load
from hanjiang.reporting.models import DataElement


@pytest.fixture
def statistics(reference: None) -> None:
    """The shipped e-commerce report system."""
    if not DataElement.objects.exists():
        metadata_load()
