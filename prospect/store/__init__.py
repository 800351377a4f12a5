"""The SQL store: runs, data-quality reports, campaigns and targets, suppression, contacts,
responses, audit log, users, their review-page sessions and API keys — SQLite by default,
PostgreSQL by URL.

Open with ``upgrade(url)`` then ``make_engine(url)``; write inside ``session_scope(engine)``.
"""

from prospect.store.api_keys import (
    authenticate_api_key,
    create_api_key,
    list_api_keys,
    revoke_api_key,
)
from prospect.store.audit import audit_trail, record_audit
from prospect.store.campaigns import save_campaign
from prospect.store.contacts import contact_counts, insert_contacts, save_responses
from prospect.store.db import make_engine, session_factory, session_scope, upgrade
from prospect.store.exceptions import (
    AlreadyExistsError,
    InvalidTransitionError,
    RecordNotFoundError,
    StoreError,
)
from prospect.store.models import (
    ApiKey,
    AuditEvent,
    Base,
    Campaign,
    ContactHistory,
    DQReport,
    LoginSession,
    LoginThrottle,
    ModelVersion,
    Response,
    Run,
    Suppression,
    SuppressionRecord,
    Target,
    User,
)
from prospect.store.review import review_campaign
from prospect.store.runs import get_or_create_run, set_run_status
from prospect.store.sessions import (
    active_session,
    purge_ended_sessions,
    revoke_session,
    revoke_user_sessions,
    start_session,
)
from prospect.store.suppression import add_suppression, load_suppression, suppression_history
from prospect.store.throttle import ThrottlePolicy, clear_failures, record_failure, retry_after
from prospect.store.throttle import unlock as unlock_logins
from prospect.store.users import (
    create_user,
    get_user,
    set_active,
    set_password,
    set_pii_access,
    verify_password,
)

__all__ = [
    "AlreadyExistsError", "ApiKey", "AuditEvent", "Base", "Campaign", "ContactHistory", "DQReport",
    "InvalidTransitionError", "LoginSession", "ModelVersion", "RecordNotFoundError", "Response",
    "Run", "StoreError", "Suppression", "Target", "User", "active_session", "add_suppression",
    "audit_trail", "authenticate_api_key", "contact_counts", "create_api_key", "create_user",
    "get_or_create_run", "get_user", "list_api_keys", "save_responses", "load_suppression",
    "make_engine", "purge_ended_sessions", "record_audit", "insert_contacts", "review_campaign",
    "revoke_api_key", "revoke_session", "revoke_user_sessions", "save_campaign", "session_factory",
    "session_scope", "set_active", "set_password", "set_run_status", "start_session", "upgrade",
    "verify_password", "LoginThrottle", "SuppressionRecord", "suppression_history",
    "ThrottlePolicy", "clear_failures", "record_failure", "retry_after", "set_pii_access",
    "unlock_logins",
]  # fmt: skip
