"""The one settings object: every setting comes from the environment with a safe default.

Optional parts (Elasticsearch, Redis, a Jitsi secret) are None when unset and
the code takes the embedded path.
"""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("FAIRCORRIDOR_INSTANCE", PROJECT_ROOT / "instance"))


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


class Config:
    """Defaults shared by every environment."""

    SECRET_KEY = _env("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL",
                                   f"sqlite:///{INSTANCE_DIR / 'faircorridor.sqlite'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SEARCH_BACKEND = _env("SEARCH_BACKEND", "embedded")
    ELASTICSEARCH_URL = _env("ELASTICSEARCH_URL")
    ELASTICSEARCH_INDEX = _env("ELASTICSEARCH_INDEX", "faircorridor-jobs")
    REDIS_URL = _env("REDIS_URL")
    # Sign-in limits (Flask-Limiter syntax): refused sign-ins per e-mail typed and per
    # client address. The counts live in Redis when REDIS_URL is set, so that every
    # worker process shares them; in memory otherwise.
    LOGIN_LIMIT_ACCOUNT = _env("LOGIN_LIMIT_ACCOUNT", "5 per 15 minutes")
    LOGIN_LIMIT_CLIENT = _env("LOGIN_LIMIT_CLIENT", "30 per 15 minutes")
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", REDIS_URL or "memory://")
    # Searches per client address (page and API together; matching/limits.py): room for
    # many people behind one address, not for one script taking the model from everyone.
    SEARCH_LIMIT_CLIENT = _env("SEARCH_LIMIT_CLIENT", "120 per minute")
    RATELIMIT_KEY_PREFIX = "faircorridor"
    EMBEDDING_MODEL = _env("EMBEDDING_MODEL")
    # Search: weights of the semantic and keyword rankings in reciprocal rank fusion.
    SEARCH_WEIGHT_VECTOR = float(_env("SEARCH_WEIGHT_VECTOR", "1.0"))
    SEARCH_WEIGHT_TEXT = float(_env("SEARCH_WEIGHT_TEXT", "1.0"))
    # Search: add to a query the English job titles its words name in the job-title
    # lexicon (matching/data/job_titles), so that the English indexes find jobs searched
    # in Nepali, Hindi, Bengali, Tagalog, Spanish or Arabic. The query's own words are
    # kept, so a multilingual EMBEDDING_MODEL still reads them; set 0 to search them alone
    # (bench/search_languages.py measures both).
    SEARCH_EXPAND_QUERY = _env("SEARCH_EXPAND_QUERY", "1") != "0"
    # Search: a hit whose meaning is less similar to the query than this (cosine) is no
    # close match, or than the second when the job's title shares a word with the query.
    # Chosen for all-MiniLM-L6-v2 on labelled queries (bench/search_floor.py: F1 0.71 on
    # its development queries, 0.82 held out); another model needs its own.
    SEARCH_MIN_SIMILARITY = float(_env("SEARCH_MIN_SIMILARITY", "0.35"))
    SEARCH_MIN_SIMILARITY_TITLED = float(_env("SEARCH_MIN_SIMILARITY_TITLED", "0.28"))
    # Search: warm the embedding model and the index in the background at a serving
    # process's first request, so that the first search does not wait for them.
    SEARCH_WARM_UP = _env("SEARCH_WARM_UP", "1") != "0"
    # Matching: a match's rank = similarity × this + share of the worker's skills × that.
    MATCH_WEIGHT_SIMILARITY = float(_env("MATCH_WEIGHT_SIMILARITY", "0.7"))
    MATCH_WEIGHT_SKILLS = float(_env("MATCH_WEIGHT_SKILLS", "0.3"))
    SPACY_MODEL = _env("SPACY_MODEL", "en_core_web_sm")
    # The register of recruiter licences that vetting checks against (YAML).
    LICENCE_REGISTER = _env("LICENCE_REGISTER",
                            str(PROJECT_ROOT / "seed" / "data" / "licence_register.yaml"))
    # The public register: its Ed25519 signing key (default instance/register/) and how
    # long a signed register copy and a "vetted by FairCorridor" badge stay valid.
    REGISTER_KEY_DIR = _env("REGISTER_KEY_DIR")
    REGISTER_COPY_DAYS = int(_env("REGISTER_COPY_DAYS", "7"))
    REGISTER_BADGE_DAYS = int(_env("REGISTER_BADGE_DAYS", "30"))
    JITSI_DOMAIN = _env("JITSI_DOMAIN", "meet.jit.si")
    JITSI_APP_ID = _env("JITSI_APP_ID")
    JITSI_APP_SECRET = _env("JITSI_APP_SECRET")
    JITSI_AUDIENCE = _env("JITSI_AUDIENCE", "jitsi")  # the `aud` claim the Jitsi server expects
    # https in production; http only for a stand-in Jitsi on the loopback in tests.
    JITSI_SCHEME = _env("JITSI_SCHEME", "https")
    INSTANCE_PATH = str(INSTANCE_DIR)
    # Job-source aggregation (`flask aggregate`). File sources must lie under the root.
    AGGREGATION_FILE_ROOT = _env("AGGREGATION_FILE_ROOT",
                                 str(PROJECT_ROOT / "seed" / "data" / "sources"))
    AGGREGATION_TIMEOUT = float(_env("AGGREGATION_TIMEOUT", "10"))  # connect and each read, s
    AGGREGATION_DEADLINE = float(_env("AGGREGATION_DEADLINE", "60"))  # a whole document, s
    AGGREGATION_MAX_BYTES = int(_env("AGGREGATION_MAX_BYTES", str(5 * 1024 * 1024)))
    # Sent with every request; the contact URL (this instance's page about its crawler, or
    # the operator's address) is appended so a site owner can reach the operator.
    AGGREGATION_USER_AGENT = _env(
        "AGGREGATION_USER_AGENT",
        "FairCorridor-aggregator/1.0 (ethical-recruitment job index; reads public job ads)")
    AGGREGATION_CONTACT_URL = _env("AGGREGATION_CONTACT_URL")
    AGGREGATION_MAX_REDIRECTS = int(_env("AGGREGATION_MAX_REDIRECTS", "3"))
    # Source URLs may reach private, loopback and link-local hosts only when this is on
    # (the tests' loopback server; never in production: see app/aggregation/netguard.py).
    AGGREGATION_ALLOW_PRIVATE_HOSTS = _env("AGGREGATION_ALLOW_PRIVATE_HOSTS", "") == "1"
    # "Run now" on the admin pages without an RQ worker runs inline, this long at most.
    AGGREGATION_INLINE_SECONDS = int(_env("AGGREGATION_INLINE_SECONDS", "120"))
    AGGREGATION_MISSED_RUNS = int(_env("AGGREGATION_MISSED_RUNS", "3"))  # gone -> expired
    AGGREGATION_DEFAULT_VALID_DAYS = int(_env("AGGREGATION_DEFAULT_VALID_DAYS", "60"))
    AGGREGATION_CACHE_DIR = _env("AGGREGATION_CACHE_DIR")  # ESCO label matrix; None: instance/
    AGGREGATION_OCCUPATION_MATCHING = _env("AGGREGATION_OCCUPATION_MATCHING", "embedding")
    # Spoken job summaries (app/listen): the tools, the time both may take for one
    # summary (s), and where the audio is kept (None: instance/listen/).
    LISTEN_ESPEAK = _env("LISTEN_ESPEAK", "espeak-ng")
    LISTEN_FFMPEG = _env("LISTEN_FFMPEG", "ffmpeg")
    LISTEN_TIMEOUT = float(_env("LISTEN_TIMEOUT", "20"))
    LISTEN_CACHE_DIR = _env("LISTEN_CACHE_DIR")

    BABEL_DEFAULT_LOCALE = "en"
    # Catalogues under app/translations: the corridors' origin languages and Arabic (RTL).
    # Tagalog is "tl" here, as in ISO 639-1 and the corridors' data; its catalogue lives in
    # translations/fil, because CLDR names that locale Filipino (Babel parses "tl" as fil_PH).
    LANGUAGES = ["en", "ne", "hi", "bn", "tl", "es", "ar"]
    WTF_CSRF_TIME_LIMIT = None  # a worker on a slow phone may take hours to fill a form
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    HSTS_SECONDS = 0  # Strict-Transport-Security: production only (served over HTTPS)
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    JOBS_PER_PAGE = 20
    DEMO_DATA_ALLOWED = True
    # Roles that must sign in with a second factor (TOTP) after their password; an admin
    # issues each account a one-time set-up link, valid this many hours.
    SECOND_FACTOR_ROLES = ("reviewer", "admin")
    SECOND_FACTOR_LINK_HOURS = int(_env("SECOND_FACTOR_LINK_HOURS", "48"))
    # Seals second-factor secrets at rest (a long random string). Outside production,
    # unset means a key derived from SECRET_KEY for that purpose alone.
    TOTP_ENCRYPTION_KEY = _env("TOTP_ENCRYPTION_KEY")
    REQUIRED_SECRETS: tuple[str, ...] = ("SECRET_KEY",)  # the app refuses to start without
    API_MAX_PER_PAGE = 100
    # Argon2id parameters (RFC 9106 "second recommended option" is t=3, m=64 MiB).
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    # Grievances: attachments, Argon2id costs (libsodium's "interactive" for receipts,
    # "moderate" for the reviewers' key, unlocked once per session), receipt throttles.
    GRIEVANCE_MAX_FILES = 3
    GRIEVANCE_MAX_FILE_BYTES = int(_env("GRIEVANCE_MAX_FILE_BYTES", str(5 * 1024 * 1024)))
    GRIEVANCE_MAX_REQUEST_BYTES = 16 * 1024 * 1024
    GRIEVANCE_RECEIPT_OPSLIMIT = 2
    GRIEVANCE_RECEIPT_MEMLIMIT = 64 * 1024 * 1024
    GRIEVANCE_KEY_OPSLIMIT = 3
    GRIEVANCE_KEY_MEMLIMIT = 256 * 1024 * 1024
    GRIEVANCE_UNLOCK_MINUTES = int(_env("GRIEVANCE_UNLOCK_MINUTES", "120"))
    GRIEVANCE_RECEIPT_FAILURES_PER_DAY = 10
    # Proof of work on receipt checks and reports: about 2^bits hashes per sending, or,
    # without JavaScript, a wait since the form was loaded. A challenge lasts at most a day.
    GRIEVANCE_POW_BITS = int(_env("GRIEVANCE_POW_BITS", "18"))
    GRIEVANCE_POW_WAIT_SECONDS = int(_env("GRIEVANCE_POW_WAIT_SECONDS", "10"))
    GRIEVANCE_POW_MAX_AGE = min(int(_env("GRIEVANCE_POW_MAX_AGE", str(12 * 3600))), 86400)


class DevelopmentConfig(Config):
    """Local development: a fixed, well-known key is acceptable here only."""

    SECRET_KEY = Config.SECRET_KEY or "dev-only-not-secret"
    DEBUG = False


class TestingConfig(Config):
    """The test suite: fast password hashing, a throwaway database."""

    TESTING = True
    SECRET_KEY = "test-only"
    SQLALCHEMY_DATABASE_URI = _env("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = True
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    GRIEVANCE_RECEIPT_OPSLIMIT = GRIEVANCE_KEY_OPSLIMIT = 1  # libsodium's minimum cost
    GRIEVANCE_RECEIPT_MEMLIMIT = GRIEVANCE_KEY_MEMLIMIT = 8192
    GRIEVANCE_POW_BITS = 8  # tests that wait or work harder set their own
    GRIEVANCE_POW_WAIT_SECONDS = 0
    AGGREGATION_ALLOW_PRIVATE_HOSTS = True  # sources are served from a loopback server
    SEARCH_WARM_UP = False  # the session loads the model once, when a test first needs it


class ProductionConfig(Config):
    """Production: refuses to start without a SECRET_KEY and a TOTP_ENCRYPTION_KEY."""

    REQUIRED_SECRETS = ("SECRET_KEY", "TOTP_ENCRYPTION_KEY")
    SESSION_COOKIE_SECURE = True
    DEMO_DATA_ALLOWED = False
    HSTS_SECONDS = int(_env("HSTS_SECONDS", str(2 * 365 * 24 * 3600)))  # two years


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(name: str | None = None) -> type[Config]:
    """The config class for `name`, or for FAIRCORRIDOR_ENV (default development)."""
    name = name or _env("FAIRCORRIDOR_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"FAIRCORRIDOR_ENV must be one of {sorted(CONFIGS)}, not {name!r}")
