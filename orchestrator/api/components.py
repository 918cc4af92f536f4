"""Build everything the app needs from its settings, once, and close it at shutdown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import hvac

from orchestrator.adapters.database import Database
from orchestrator.adapters.jupyterhub_identity import HubIdentity
from orchestrator.adapters.kubernetes_connection import KubernetesConnection
from orchestrator.adapters.notifiers import (
    Notifier,
    SmtpConfig,
    SmtpNotifier,
    WebhookNotifier,
    addresses_from,
)
from orchestrator.adapters.oidc import JwksCache, OidcVerifier
from orchestrator.adapters.oidc_sign_in import OidcSignIn
from orchestrator.adapters.project_members import ProjectMembers
from orchestrator.adapters.signing import LocalEd25519Signer, TransitSigner
from orchestrator.adapters.storage import S3ObjectStore, S3Settings
from orchestrator.api.airlock_calls import AirlockCalls
from orchestrator.api.metrics import AirlockMetrics
from orchestrator.api.settings import AirlockSettings, RoleSettings, SigningSettings, WebSettings
from orchestrator.api.web.sessions import CookieSigner
from orchestrator.domain.access import RoleSource
from orchestrator.domain.airlock.signing import Signer
from orchestrator.services.airlock import AirlockConfig, AirlockService, Checker
from orchestrator.services.authentication import Authenticator
from orchestrator.services.notifying import Announcer


@dataclass(frozen=True)
class WebSignIn:
    """What the browser pages need: the settings, the provider's sign-in, the cookie signer."""

    settings: WebSettings
    sign_in: OidcSignIn
    cookies: CookieSigner

    @property
    def redirect_uri(self) -> str:
        return f"{self.settings.public_url}/auth/callback"

    @property
    def secure_cookies(self) -> bool:
        return self.settings.public_url.startswith("https://")


@dataclass
class Components:
    """The app's collaborators, built from settings (or handed in by a test)."""

    settings: AirlockSettings
    authenticator: Authenticator
    airlock: AirlockCalls
    metrics: AirlockMetrics
    http: httpx.AsyncClient
    database: Database
    members: ProjectMembers | None = None
    web: WebSignIn | None = None

    async def aclose(self) -> None:
        await self.airlock.stop()
        await self.http.aclose()
        self.database.dispose()
        if self.members is not None:
            self.members.stop()


def _role_source(settings: RoleSettings) -> tuple[RoleSource, ProjectMembers | None]:
    """The configured roles, or a watch on the ResearchProjects' member lists."""
    if settings.members_from == "settings":
        return settings.source(), None
    kubeconfig = None if settings.kubeconfig is None else Path(settings.kubeconfig)
    members = ProjectMembers(
        KubernetesConnection(kubeconfig).api_client(), operators=frozenset(settings.operators)
    ).start()
    return members, members


def _notifiers(settings: AirlockSettings, http: httpx.AsyncClient) -> list[Notifier]:
    config = settings.notifications
    notifiers: list[Notifier] = []
    if config.webhook_url:
        secret = config.webhook_secret.get_secret_value() if config.webhook_secret else None
        notifiers.append(WebhookNotifier(config.webhook_url, http, secret))
    if config.smtp is not None:
        smtp = config.smtp
        notifiers.append(
            SmtpNotifier(
                SmtpConfig(
                    host=smtp.host,
                    port=smtp.port,
                    sender=smtp.sender,
                    username=smtp.username,
                    password=smtp.password.get_secret_value() if smtp.password else None,
                    starttls=smtp.starttls,
                    timeout=smtp.timeout_seconds,
                ),
                addresses_from(config.addresses, config.default_domain),
            )
        )
    return notifiers


def airlock_config(settings: AirlockSettings) -> AirlockConfig:
    storage, downloads = settings.storage, settings.downloads
    return AirlockConfig(
        quarantine_bucket=storage.quarantine_bucket,
        release_bucket=storage.release_bucket,
        default_required_approvals=settings.review.required_approvals,
        max_downloads_per_file=downloads.max_downloads,
        max_file_size=settings.server.max_upload_bytes,
        max_files_per_request=settings.server.max_files_per_request,
        max_request_bytes=settings.server.max_request_bytes,
        checkpoint_interval=timedelta(seconds=settings.audit.checkpoint_interval_seconds),
        checkpoint_max_age=timedelta(seconds=settings.audit.checkpoint_max_age_seconds),
        audit_bucket=settings.audit.bucket,
        audit_prefix=settings.audit.prefix,
        work_dir=Path(settings.server.spool_dir) if settings.server.spool_dir else None,
    )


def make_signer(settings: SigningSettings) -> Signer:
    """The transit key in Vault/OpenBao when configured, else the local key file."""
    if settings.vault_url is not None and settings.vault_token is not None:
        client = hvac.Client(url=settings.vault_url, token=settings.vault_token.get_secret_value())
        return TransitSigner(client, settings.transit_key, settings.transit_mount)
    assert settings.key_file is not None
    return LocalEd25519Signer.from_file(Path(settings.key_file), create=True)


def build_components(settings: AirlockSettings, checker: Checker) -> Components:
    """Wire adapters and services from ``settings``; ``checker`` runs the export checks."""
    http = httpx.AsyncClient(follow_redirects=False)
    storage = settings.storage
    store = S3ObjectStore(
        S3Settings(
            endpoint=storage.endpoint,
            access_key=storage.access_key,
            secret_key=storage.secret_key.get_secret_value(),
            secure=storage.secure,
            region=storage.region,
        )
    )
    database = Database(settings.database.url)
    owner = settings.database.migration_url
    migrations = None if owner is None else Database(owner.get_secret_value())
    signer = make_signer(settings.signing)
    service = AirlockService(
        database, store, checker, signer, airlock_config(settings), migrations=migrations
    )
    roles, members = _role_source(settings.roles)
    metrics = AirlockMetrics()
    keys = JwksCache(settings.oidc.keys_url(), http)
    oidc = OidcVerifier(
        issuer=settings.oidc.issuer,
        audience=settings.oidc.audience,
        keys=keys,
        username_claim=settings.oidc.username_claim,
    )
    return Components(
        settings=settings,
        authenticator=Authenticator(
            oidc=oidc, hubs=HubIdentity(settings.workspace_hubs, http), roles=roles
        ),
        airlock=AirlockCalls(
            service,
            Announcer(_notifiers(settings, http), roles),
            metrics,
            threads=settings.server.worker_threads,
        ),
        metrics=metrics,
        http=http,
        database=database,
        members=members,
        web=None if settings.web is None else _web(settings, keys, http),
    )


def _web(settings: AirlockSettings, keys: JwksCache, http: httpx.AsyncClient) -> WebSignIn:
    assert settings.web is not None
    web = settings.web
    secret = web.client_secret.get_secret_value() if web.client_secret else None
    return WebSignIn(
        settings=web,
        sign_in=OidcSignIn(
            issuer=settings.oidc.issuer,
            client_id=web.client_id,
            client_secret=secret,
            keys=keys,
            http=http,
            username_claim=settings.oidc.username_claim,
        ),
        cookies=CookieSigner(web.session_secret.get_secret_value().encode()),
    )
