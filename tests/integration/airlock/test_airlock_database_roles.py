"""Migrations run as the schema owner; the service's own role cannot undo the audit's protection.

The attack: someone with the airlock's runtime database login (the one in its
configuration) tries to drop or disable the append-only triggers, alter or drop the
audit tables, or change and delete audit records. Every attempt is refused by
PostgreSQL's privileges, whatever the triggers do.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy.exc
from sqlalchemy import create_engine, make_url

from orchestrator.adapters.database import Database
from orchestrator.adapters.signing import LocalEd25519Signer
from orchestrator.adapters.storage import S3ObjectStore
from orchestrator.services.airlock import AirlockService
from tests.doubles.basic_checker import BasicChecker
from tests.integration.airlock.conftest import make_config
from tests.integration.airlock.flows import released


def make_role(superuser_url: str, database: str, name: str) -> str:
    """A login role with a random password; its URL for ``database``."""
    password = secrets.token_hex(16)
    engine = create_engine(superuser_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'")
    engine.dispose()
    url = make_url(superuser_url).set(username=name, password=password, database=database)
    return url.render_as_string(hide_password=False)


@pytest.fixture
def roles(postgres: Any) -> tuple[str, str]:
    """(owner URL, runtime URL) on a fresh database the owner owns."""
    suffix = uuid.uuid4().hex[:10]
    database = f"airlock_roles_{suffix}"
    superuser_url: str = postgres.create_database(database)
    owner = make_role(superuser_url, database, f"airlock_owner_{suffix}")
    runtime = make_role(superuser_url, database, f"airlock_app_{suffix}")
    engine = create_engine(superuser_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f"ALTER DATABASE {database} OWNER TO airlock_owner_{suffix}")
        connection.exec_driver_sql(f"ALTER SCHEMA public OWNER TO airlock_owner_{suffix}")
    engine.dispose()
    return owner, runtime


@pytest.fixture
def airlock(roles: tuple[str, str], store: S3ObjectStore) -> Iterator[AirlockService]:
    owner, runtime = roles
    database, migrations = Database(runtime), Database(owner)
    service = AirlockService(
        database,
        store,
        BasicChecker(),
        LocalEd25519Signer.generate(),
        make_config(),
        migrations=migrations,
    )
    service.setup()
    yield service
    database.dispose()
    migrations.dispose()


ATTACKS = [
    "DROP TRIGGER audit_records_no_update ON audit_records",
    "ALTER TABLE audit_records DISABLE TRIGGER USER",
    "ALTER TABLE audit_checkpoints DISABLE TRIGGER USER",
    "ALTER TABLE audit_records ADD COLUMN note text",
    "DROP TABLE audit_checkpoints",
    "DROP FUNCTION audit_append_only() CASCADE",
    "DELETE FROM audit_records WHERE seq > 3",
    "UPDATE audit_records SET actor = 'mallory' WHERE seq = 2",
    "TRUNCATE audit_records",
    "DELETE FROM audit_checkpoints",
]


def test_the_runtime_role_runs_the_airlock_but_cannot_touch_the_audit_protection(
    airlock: AirlockService,
) -> None:
    released(airlock)  # the whole flow works with the runtime role's rights
    assert airlock.write_checkpoint() is not None
    for attack in ATTACKS:
        with (
            pytest.raises(
                sqlalchemy.exc.ProgrammingError, match=r"must be owner|permission denied"
            ),
            airlock.database.engine.begin() as connection,
        ):
            connection.exec_driver_sql(attack)
    result = airlock.verify_audit_chain()
    assert result.ok, result.reason
