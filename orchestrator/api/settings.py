"""Configuration of the airlock service, read from ``TRE_AIRLOCK_*`` environment variables.

Sections nest with a double underscore: ``TRE_AIRLOCK_DATABASE__URL``,
``TRE_AIRLOCK_OIDC__ISSUER``. Mappings and lists are JSON, e.g.
``TRE_AIRLOCK_WORKSPACE_HUBS='{"genomics": "http://hub.genomics:8081/hub/api"}'``.
Values without a default are required: the service refuses to start without them and
says which one is missing. ``docs/reference/configuration.md`` is generated from here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from orchestrator.domain.access import Role, StaticRoleSource


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)


class ServerSettings(Section):
    host: str = "127.0.0.1"
    """Address the HTTP server binds to. Keep 127.0.0.1 unless a proxy in front needs more."""
    port: int = Field(default=8900, ge=1, le=65535)
    """TCP port of the HTTP server."""
    max_upload_bytes: int = Field(default=5 * 1024**3, ge=1)
    """Largest single file accepted for a request, in bytes. Uploads are streamed, never held in memory."""
    max_json_bytes: int = Field(default=1024**2, ge=1024)
    """Largest body accepted by a JSON call (everything but file uploads), in bytes; larger bodies are refused with 413 before they are read. Every call with a body is authenticated before any of it is read."""
    max_files_per_request: int = Field(default=100, ge=1)
    """Most files one version of a request may hold; adding one more is refused at upload."""
    max_request_bytes: int = Field(default=20 * 1024**3, ge=1)
    """Most bytes all files of one version of a request may hold together; an upload that would pass it is stopped at the limit."""
    keep_alive_seconds: int = Field(default=75, ge=1, le=3600)
    """How long an idle client connection is kept open; longer than a proxy's or client pool's idle time, so the server never closes a connection a client is about to reuse."""
    worker_threads: int = Field(default=8, ge=1, le=256)
    """Database and storage calls run in at most this many threads at once; callers beyond it queue in order (SQLite gains nothing from more)."""
    spool_dir: str | None = None
    """Private folder where frozen files are staged while they are checked; a fresh temporary folder if unset."""


class DatabaseSettings(Section):
    migration_url: SecretStr | None = None
    """SQLAlchemy URL of the role that owns the schema and runs the migrations (PostgreSQL). When set, the role in ``url`` owns nothing and gets only the rights it needs: it cannot alter or drop tables or triggers, nor change or delete audit records."""
    url: str
    """SQLAlchemy URL of the airlock database, e.g. ``sqlite:////var/lib/airlock/airlock.db`` or ``postgresql+psycopg://airlock@db/airlock``."""


class StorageSettings(Section):
    endpoint: str
    """S3 endpoint as ``host:port`` (no scheme)."""
    access_key: str
    """Access key of the airlock's own storage identity. Researchers never hold it."""
    secret_key: SecretStr
    """Secret key of the airlock's storage identity."""
    secure: bool = False
    """Use HTTPS to reach the S3 endpoint."""
    region: str | None = None
    """S3 region, if the store needs one."""
    quarantine_bucket: str = "airlock-quarantine"
    """Bucket holding submitted files, content-addressed, until a decision."""
    release_bucket: str = "airlock-release"
    """Bucket holding released files; only the airlock reads it, and streams them out."""


class OidcSettings(Section):
    issuer: str
    """Issuer URL of the identity provider (the ``iss`` claim), e.g. ``https://sso.example.org/realms/tre``."""
    audience: str = "tre-airlock"
    """Value the token's ``aud`` claim must contain."""
    jwks_url: str | None = None
    """Where the signing keys are published; defaults to Keycloak's ``<issuer>/protocol/openid-connect/certs``."""
    username_claim: str = "preferred_username"
    """Claim naming the user; it must match the names used in role assignments."""

    def keys_url(self) -> str:
        return self.jwks_url or f"{self.issuer.rstrip('/')}/protocol/openid-connect/certs"


class ProjectRoles(Section):
    researchers: list[str] = []
    """Usernames holding the ``researcher`` role (see the permission table in ``docs/reference/permissions.md``)."""
    reviewers: list[str] = []
    """Usernames holding the ``reviewer`` role: review, release and revoke the project's requests (never their own)."""
    project_admins: list[str] = []
    """Usernames holding the ``project_admin`` role: the researcher's actions on the project's requests."""


class WebSettings(Section):
    public_url: str
    """Address people's browsers use to reach the airlock, e.g. ``https://airlock.example.org``; the identity provider sends them back to ``<public_url>/auth/callback``. Session cookies are marked ``Secure`` when it is ``https``."""
    session_secret: SecretStr = Field(min_length=32)
    """Key that signs session cookies (at least 32 characters, random). Changing it signs everyone out."""
    client_id: str = "tre-airlock-web"
    """OIDC client of the browser pages at the identity provider (authorization-code flow with PKCE; its redirect URI is ``<public_url>/auth/callback``)."""
    client_secret: SecretStr | None = None
    """Secret of that client, if the identity provider registers it as confidential."""
    session_hours: int = Field(default=8, ge=1, le=24)
    """How long a browser session lasts before the person signs in again."""

    @model_validator(mode="after")
    def _plain_url(self) -> WebSettings:
        if not self.public_url.startswith(("http://", "https://")) or self.public_url.endswith("/"):
            raise ValueError(
                "web.public_url must be an http(s) address without a trailing slash, "
                "e.g. https://airlock.example.org"
            )
        return self


class RoleSettings(Section):
    members_from: Literal["settings", "kubernetes"] = "settings"
    """Where project roles come from: ``settings`` (``projects`` below) or ``kubernetes`` (each ResearchProject's member list, read and watched through the Kubernetes API; ``projects`` must then be empty)."""
    kubeconfig: str | None = None
    """Kubeconfig file for ``members_from = kubernetes``; unset: the pod's ServiceAccount, then ``$KUBECONFIG``."""
    projects: dict[str, ProjectRoles] = {}
    """Role assignments per project: ``{"project": {"researchers": [...], "reviewers": [...], "project_admins": [...]}}``."""
    operators: list[str] = []
    """Usernames holding the platform-wide ``operator`` role (release, revoke, retry, audit verification)."""

    @model_validator(mode="after")
    def _one_source(self) -> RoleSettings:
        if self.members_from == "kubernetes" and self.projects:
            raise ValueError(
                "roles.projects must be empty when roles.members_from is kubernetes: project "
                "members come from the ResearchProjects then"
            )
        return self

    def source(self) -> StaticRoleSource:
        return StaticRoleSource(
            project_members={
                project: {
                    Role.RESEARCHER: frozenset(roles.researchers),
                    Role.REVIEWER: frozenset(roles.reviewers),
                    Role.PROJECT_ADMIN: frozenset(roles.project_admins),
                }
                for project, roles in self.projects.items()
            },
            operators=frozenset(self.operators),
        )


class ReviewSettings(Section):
    required_approvals: int = Field(default=2, ge=1)
    """Independent approvals a request needs before it may be released."""
    project_required_approvals: dict[str, int] = {}
    """Per-project override of ``required_approvals``."""


class AuditSettings(Section):
    checkpoint_interval_seconds: int = Field(default=3600, ge=1)
    """How often the running service signs a checkpoint of the audit chain (one is also written at shutdown)."""
    checkpoint_max_age_seconds: int = Field(default=7200, ge=1)
    """``tre audit verify`` fails when the newest checkpoint is older than this; keep it above the interval."""
    bucket: str = "airlock-audit"
    """Bucket holding a copy of every signed checkpoint, outside the database."""
    prefix: str = "checkpoints/"
    """Key prefix of this service's checkpoint copies in ``bucket`` (one chain per prefix)."""


class CheckSettings(Section):
    ruleset: str = "default"
    """Export rule set from ``policies/``: ``default`` or a tier profile ``tier0``..``tier3``.
    Ignored when ``ruleset_file`` is set."""
    ruleset_file: Path | None = None
    """A rule-set YAML file to use instead of a named one (it may ``extends:`` a named one)."""
    clamav_database: Path | None = None
    """ClamAV signature folder (default ``/var/lib/clamav``). A rule set that requires
    malware scanning blocks every file when no signatures are present there."""


class DownloadSettings(Section):
    max_downloads: int = Field(default=3, ge=1)
    """How many complete downloads of one released file each person may make (files are
    only ever downloaded through the airlock, which counts them)."""


class SmtpSettings(Section):
    host: str
    """SMTP server host."""
    port: int = Field(default=25, ge=1, le=65535)
    """SMTP server port."""
    sender: str
    """``From`` address of airlock mail."""
    username: str | None = None
    """SMTP login, if the server needs one."""
    password: SecretStr | None = None
    """SMTP password, if the server needs one."""
    starttls: bool = False
    """Upgrade the connection with STARTTLS before logging in."""
    timeout_seconds: float = 10.0
    """Give up on the SMTP server after this many seconds."""


class NotificationSettings(Section):
    webhook_url: str | None = None
    """POST a JSON event here for every change (e.g. a chat integration); off if unset."""
    webhook_secret: SecretStr | None = None
    """Shared secret; when set, each webhook carries an HMAC-SHA256 of its body in ``X-TRE-Signature``."""
    smtp: SmtpSettings | None = None
    """Mail server for notifications to people; mail is off if unset."""
    addresses: dict[str, str] = {}
    """Email address per username."""
    default_domain: str | None = None
    """Users without an entry in ``addresses`` get ``<username>@<default_domain>``."""


class SigningSettings(Section):
    key_file: str | None = None
    """Local Ed25519 private key (PEM) for embedded mode; created (mode 0600) if missing. Leave unset when a Vault transit key is used."""
    vault_url: str | None = None
    """Vault/OpenBao address whose transit engine holds the signing key (production)."""
    vault_token: SecretStr | None = None
    """Token allowed to sign and verify with the transit key."""
    transit_mount: str = "transit"
    """Mount point of the transit secrets engine."""
    transit_key: str = "airlock"
    """Name of the transit key."""

    @model_validator(mode="after")
    def _one_key(self) -> SigningSettings:
        if (self.key_file is None) == (self.vault_url is None):
            raise ValueError(
                "set exactly one of signing.key_file (embedded mode) or signing.vault_url "
                "(with signing.vault_token) to choose where the signing key lives"
            )
        if self.vault_url is not None and self.vault_token is None:
            raise ValueError("signing.vault_url needs signing.vault_token")
        return self


class AirlockSettings(BaseSettings):
    """Everything the airlock service reads at start."""

    model_config = SettingsConfigDict(
        env_prefix="TRE_AIRLOCK_",
        env_nested_delimiter="__",
        extra="forbid",
        use_attribute_docstrings=True,
        frozen=True,
    )

    database: DatabaseSettings
    """The request and audit database."""
    storage: StorageSettings
    """Object storage for quarantine and release."""
    oidc: OidcSettings
    """The identity provider whose bearer tokens the airlock accepts."""
    server: ServerSettings = ServerSettings()
    """The HTTP server."""
    workspace_hubs: dict[str, str] = {}
    """JupyterHub API URL per project (``{"project": "http://hub:8081/hub/api"}``); workspace tokens are checked there."""
    roles: RoleSettings = RoleSettings()
    """Who holds which role."""
    review: ReviewSettings = ReviewSettings()
    """Review rules."""
    checks: CheckSettings = CheckSettings()
    """The automated export checks run on every submitted version."""
    downloads: DownloadSettings = DownloadSettings()
    """Downloads of released files."""
    audit: AuditSettings = AuditSettings()
    """Signed checkpoints of the audit chain."""
    notifications: NotificationSettings = NotificationSettings()
    """Who is told about changes, and how."""
    signing: SigningSettings
    """The key that signs release manifests and audit checkpoints."""
    web: WebSettings | None = None
    """Browser pages and sign-in through the identity provider; without this section only the API is served."""
