"""SQLAlchemy tables of the airlock. Changes here need a new Alembic migration."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class RequestRow(Base):
    __tablename__ = "airlock_requests"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    project: Mapped[str] = mapped_column(String(100), index=True)
    requester: Mapped[str] = mapped_column(String(200), index=True)
    direction: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[int] = mapped_column(Integer)
    submitted_version: Mapped[int] = mapped_column(Integer)
    required_approvals: Mapped[int] = mapped_column(Integer)
    failed_from: Mapped[str | None] = mapped_column(String(20), nullable=True)
    failure_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class VersionRow(Base):
    __tablename__ = "airlock_versions"

    request_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("airlock_requests.id"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ruleset_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    ruleset_version: Mapped[str | None] = mapped_column(String(100), nullable=True)


class FileRow(Base):
    __tablename__ = "airlock_files"
    __table_args__ = (UniqueConstraint("request_id", "version", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(String(32), ForeignKey("airlock_requests.id"))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    context: Mapped[str] = mapped_column(Text)
    controls: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text, nullable=True)
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    verdict: Mapped[str | None] = mapped_column(String(10), nullable=True)
    findings: Mapped[str] = mapped_column(Text)


class VoteRow(Base):
    __tablename__ = "airlock_votes"
    __table_args__ = (UniqueConstraint("request_id", "version", "reviewer"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(String(32), ForeignKey("airlock_requests.id"))
    version: Mapped[int] = mapped_column(Integer)
    reviewer: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text)
    acknowledged: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReleasedFileRow(Base):
    __tablename__ = "airlock_released_files"

    request_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("airlock_requests.id"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    object_key: Mapped[str] = mapped_column(Text)
    released_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ManifestRow(Base):
    __tablename__ = "airlock_manifests"

    request_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("airlock_requests.id"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    document: Mapped[str] = mapped_column(Text)
    object_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DownloadRow(Base):
    __tablename__ = "airlock_downloads"
    __table_args__ = (Index("ix_airlock_downloads_file_actor", "request_id", "name", "actor"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(String(32), ForeignKey("airlock_requests.id"))
    name: Mapped[str] = mapped_column(String(255))
    actor: Mapped[str] = mapped_column(String(200))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProjectPolicyRow(Base):
    __tablename__ = "airlock_project_policies"

    project: Mapped[str] = mapped_column(String(100), primary_key=True)
    required_approvals: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditRow(Base):
    """Append-only: the code has no UPDATE or DELETE path, and a trigger rejects both."""

    __tablename__ = "audit_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    project: Mapped[str | None] = mapped_column(String(100), nullable=True)
    request_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    details: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class CheckpointRow(Base):
    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[str] = mapped_column(String(40))
    signature: Mapped[str] = mapped_column(Text)
