"""Configuration read from the environment, with safe embedded defaults (SQLite)."""
import os
import secrets
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        (PROJECT_ROOT / "instance").mkdir(exist_ok=True)
        return f"sqlite:///{PROJECT_ROOT / 'instance' / 'procure.db'}"
    # Accept the common short forms and use psycopg 3, the driver we install.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    # A stable per-checkout key so sessions survive restarts of the dev server.
    key_file = PROJECT_ROOT / "instance" / "secret_key"
    key_file.parent.mkdir(parents=True, exist_ok=True)
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _config_home() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "procure"


class SealKeyError(RuntimeError):
    pass


def tender_seal_key(config) -> str:
    """The bid-sealing master key: TENDER_SEAL_KEY, else the content of TENDER_SEAL_KEY_FILE
    (created with a random key on first use). Refused when it equals SECRET_KEY, or when its file
    lies in the project's instance/ folder beside the embedded database."""
    key = config.get("TENDER_SEAL_KEY")
    if not key:
        path = Path(config.get("TENDER_SEAL_KEY_FILE") or _config_home() / "tender_seal_key").expanduser().resolve()
        if (PROJECT_ROOT / "instance").resolve() in path.parents:
            raise SealKeyError("封印鍵のファイルをデータベースと同じ instance/ に置くことはできません")
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32))
        key = path.read_text().strip()
    if not key:
        raise SealKeyError("封印鍵（TENDER_SEAL_KEY）が設定されていません")
    if key == config.get("SECRET_KEY"):
        raise SealKeyError("封印鍵（TENDER_SEAL_KEY）には SECRET_KEY と別の値を設定してください")
    return key


def from_environment() -> dict:
    return {
        "SECRET_KEY": _secret_key(),
        "SQLALCHEMY_DATABASE_URI": _database_url(),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "0") == "1",
        # Idle timeout: refreshed on each request; absolute limit enforced in auth.
        "PERMANENT_SESSION_LIFETIME": timedelta(
            minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
        ),
        "SESSION_ABSOLUTE_HOURS": int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12")),
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", str(PROJECT_ROOT / "instance" / "uploads")),
        # Stripe: test keys only (the gateway refuses live keys); STRIPE_API_BASE points at localstripe.
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY", ""),
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE") or None,
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
        # Bounds on one card payment request: seconds to connect, to wait for an answer, retries.
        "STRIPE_CONNECT_TIMEOUT": float(os.environ.get("STRIPE_CONNECT_TIMEOUT", "5")),
        "STRIPE_READ_TIMEOUT": float(os.environ.get("STRIPE_READ_TIMEOUT", "20")),
        "STRIPE_MAX_RETRIES": int(os.environ.get("STRIPE_MAX_RETRIES", "2")),
        # The master key sealing bids: never SECRET_KEY, never in the database or beside it.
        # From the environment (or a secret manager filling it), else from a file outside the
        # project (created on first use, mode 0600): see tender_seal_key().
        "TENDER_SEAL_KEY": os.environ.get("TENDER_SEAL_KEY", ""),
        "TENDER_SEAL_KEY_FILE": os.environ.get("TENDER_SEAL_KEY_FILE", str(_config_home() / "tender_seal_key")),
        "JOB_WORKERS": int(os.environ.get("JOB_WORKERS", "2")),
        # Background jobs: "embedded" (threads in each app process, the database as the queue) or
        # "rq" (REDIS_URL, separate `flask jobs rq-worker` processes). A job's lease is renewed
        # every third of JOB_LEASE_SECONDS; a lease run out means its worker died.
        "JOB_BACKEND": os.environ.get("JOB_BACKEND", "embedded"),
        # A 総合振込 file reaches the bank this many bank business days before its transfer date
        "ZENGIN_LEAD_BUSINESS_DAYS": int(os.environ.get("ZENGIN_LEAD_BUSINESS_DAYS", "1")),
        # The ocid prefix registered with the Open Contracting Partnership (ocds-xxxxxx-)
        "OCDS_OCID_PREFIX": os.environ.get("OCDS_OCID_PREFIX", "ocds-tokyo23-"),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "JOB_LEASE_SECONDS": int(os.environ.get("JOB_LEASE_SECONDS", "30")),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_MB", "20")) * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session does
        "BABEL_DEFAULT_LOCALE": "ja",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Tokyo",
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "translations"),
        "LOGIN_MAX_FAILURES": int(os.environ.get("LOGIN_MAX_FAILURES", "5")),
        "LOGIN_LOCK_MINUTES": int(os.environ.get("LOGIN_LOCK_MINUTES", "15")),
        "API_TOKEN_HOURS": int(os.environ.get("API_TOKEN_HOURS", "12")),
    }
