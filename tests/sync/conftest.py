import pytest
from sync_fakes import user_outbox

from game.sync import Outbox


@pytest.fixture
def outbox() -> Outbox:
    return user_outbox()
