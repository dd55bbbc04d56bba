"""Fixtures of the conformance suite: a frozen clock at the manifest's start time, cheap passwords."""

from __future__ import annotations

from functools import partial

import pytest
import time_machine
from werkzeug.security import generate_password_hash

from service.usecases import accounts

from .corpus import T0


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """scrypt costs ~0.13 s per user and sign-in; these tests create and sign in many users."""
    monkeypatch.setattr(accounts, "generate_password_hash",
                        partial(generate_password_hash, method="pbkdf2:sha256:1"))


@pytest.fixture
def frozen_clock():
    """The clock stands still unless a scenario step moves it (no sleeping, no racing timers)."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller
