"""Shared fixtures: a real database on SQLite and PostgreSQL, a fake clock, a runtime.

Every test that asks for `database_url` (or anything built on it) runs twice: once on a
fresh SQLite file and once on PostgreSQL, in a schema of its own so parallel runs on one
server don't collide. PostgreSQL comes from CATALYST_TEST_POSTGRES_URL; without it those
runs are skipped with a visible reason, except under CI, where a missing or unreachable
server fails the run.
"""

from __future__ import annotations

import gc
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from bot.wiring import Runtime, build_runtime
from core.clock import FakeClock
from core.config import Settings, load_settings
from core.db import unit_of_work
from core.schema import metadata

POSTGRES_ENV = "CATALYST_TEST_POSTGRES_URL"
SHIFT_ENV = "CATALYST_TEST_SHIFT_DAYS"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _postgres_base_url() -> str | None:
    raw = os.environ.get(POSTGRES_ENV, "").strip()
    if not raw:
        if IN_CI:
            pytest.exit(f"{POSTGRES_ENV} must be set in CI (PostgreSQL tests are required)", 2)
        return None
    url = make_url(raw)
    if url.get_backend_name() == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def pytest_report_header() -> str | None:
    raw = os.environ.get(SHIFT_ENV, "").strip()
    return f"wall clock shifted {raw} days ({SHIFT_ENV})" if raw else None


@pytest.fixture(scope="session", autouse=True)
def shifted_wall_clock() -> Iterator[None]:
    """With CATALYST_TEST_SHIFT_DAYS=N, the whole run sees the wall clock N days away.

    CI runs the suite a second time this way: a test whose dates and "now" come from
    different sources (a fixed date beside the real clock) fails here even on the day it
    was written. time-machine moves datetime.now, time.time and friends in every thread,
    and leaves the monotonic clock alone, so sleeps, timeouts and thread waits still work.
    """
    raw = os.environ.get(SHIFT_ENV, "").strip()
    if not raw:
        yield
        return
    import time_machine

    destination = datetime.now(UTC) + timedelta(days=int(raw))
    with time_machine.travel(destination, tick=True):
        yield


@pytest.fixture(autouse=True)
def heap_collected_between_tests() -> None:
    """Collect garbage before each test, then freeze what is left out of later collections.

    One pytest process holds the whole suite's heap: over a million objects by the end,
    and a full collection of that stops every thread for 1 to 1.8 s (measured). Landing
    mid-request, that is an ack later than Slack's 3 s, and the test fails for the heap,
    not the code. Collected here, between tests, and frozen, collections during a test scan
    only that test's objects. Production does the same once at start (`bot.cli`).
    """
    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str | None]:
    """The server URL, checked once; None when PostgreSQL tests are not configured."""
    url = _postgres_base_url()
    if url is None:
        yield None
        return
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        message = f"cannot connect to PostgreSQL at {POSTGRES_ENV}: {error}"
        if IN_CI:
            pytest.exit(message, 2)
        pytest.fail(message)
    finally:
        engine.dispose()
    yield url


def _postgres_schema_url(server: str) -> tuple[str, str]:
    """A fresh schema, and a URL whose connections use it (search_path)."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    url = make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), schema


def _drop_schema(server: str, schema: str) -> None:
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_server: str | None
) -> Iterator[str]:
    """An empty database (no tables yet) on each engine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'catalyst.db'}"
        return
    if postgres_server is None:
        pytest.skip(f"PostgreSQL not configured: set {POSTGRES_ENV} to run these")
    url, schema = _postgres_schema_url(postgres_server)
    try:
        yield url
    finally:
        _drop_schema(postgres_server, schema)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))


def make_settings(database_url: str, **overrides: str) -> Settings:
    env = {"DATABASE_URL": database_url, **overrides}
    return load_settings(env)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url, CATALYST_FACILITATORS="UFACIL01")


@pytest.fixture
def runtime(settings: Settings, clock: FakeClock) -> Iterator[Runtime]:
    """Catalyst's runtime on a migrated database, with the fake clock."""
    built = build_runtime(settings, clock=clock)
    yield built
    built.close()


@pytest.fixture
def engine(runtime: Runtime) -> Engine:
    return runtime.engine


def table_counts(runtime: Runtime) -> dict[str, int]:
    """Rows per table: tests use it to prove a bad input changed nothing."""
    counts: dict[str, int] = {}
    with unit_of_work(runtime.session_factory) as session:
        for table in metadata.sorted_tables:
            counts[table.name] = session.execute(
                text(f'SELECT COUNT(*) FROM "{table.name}"')  # noqa: S608 (our own table names)
            ).scalar_one()
    return counts
