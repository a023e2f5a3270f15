from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import transaction

from hanjiang.core.events import publish, subscribe


@dataclass(frozen=True)
class SomethingHappened:
    what: str


@pytest.mark.django_db(transaction=True)
def test_events_are_delivered_after_commit_and_not_after_rollback() -> None:
    received: list[str] = []
    subscribe(SomethingHappened, lambda event: received.append(event.what))
    with transaction.atomic():
        publish(SomethingHappened("kept"))
        assert received == []
    assert received == ["kept"]
    with pytest.raises(RuntimeError), transaction.atomic():
        publish(SomethingHappened("rolled back"))
        raise RuntimeError
    assert received == ["kept"]
