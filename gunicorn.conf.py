"""gunicorn's settings for FairCorridor: `gunicorn -c gunicorn.conf.py` from the project root.

Every value comes from the environment with a safe default. The access log is on and
written by grievance.logs.PrivateLogger, which never writes a line about a request that
could reach a grievance page (no address, user agent, time or path of a reporter).
"""
import os

wsgi_app = os.environ.get("GUNICORN_APP", "wsgi:app")
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")

# --- logs ---------------------------------------------------------------------------
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
logger_class = "grievance.logs.PrivateLogger"

# --- workers and threads --------------------------------------------------------------
# The place to size the server for the machine: the embedding model and spaCy run in the
# workers, so workers × threads × torch's own threads should not exceed the cores.
workers = int(os.environ.get("GUNICORN_WORKERS", "1"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))

# --- control socket -------------------------------------------------------------------
# Off unless a path is given: two servers on one machine would share the default one.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True


# --- warm-up ---------------------------------------------------------------------------
def post_worker_init(worker):
    """Each worker loads the embedding model and opens the search index in the background
    as it starts, so that the first search it serves does not wait (matching/warmup.py)."""
    from matching.warmup import start

    start(worker.wsgi)
