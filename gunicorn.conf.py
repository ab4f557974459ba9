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
# workers. One worker process per core (each loads the model once) with threads enough
# that the searches a worker holds while they wait for the model (those waiting together
# are embedded as one batch, matching/batching.py) leave threads free for pages; and torch
# given the cores' share of one worker, so that workers × torch's threads never exceed the
# cores: two workers with torch's default of a thread per core spent 230 ms of CPU on a
# query that takes 15 ms with one thread each, their threads spinning against each other.
_CORES = len(os.sched_getaffinity(0))
workers = int(os.environ.get("GUNICORN_WORKERS", str(_CORES)))
threads = int(os.environ.get("GUNICORN_THREADS", "12"))
worker_class = "gthread" if threads > 1 else "sync"
_TORCH_THREADS = int(os.environ.get("GUNICORN_TORCH_THREADS", str(max(1, _CORES // workers))))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# No preloading: the app opens database engines and torch starts thread pools, neither of
# which may be shared across a fork; each worker builds its own app and model.
preload_app = False

# --- control socket -------------------------------------------------------------------
# Off unless a path is given: two servers on one machine would share the default one.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True


# --- torch's threads -------------------------------------------------------------------
def post_fork(server, worker):
    """Give each worker its share of the cores (torch, OpenMP) before its app loads."""
    from matching.encoder import set_torch_threads

    set_torch_threads(_TORCH_THREADS)


# --- warm-up ---------------------------------------------------------------------------
def post_worker_init(worker):
    """Each worker loads the embedding model and opens the search index in the background
    as it starts, so that the first search it serves does not wait (matching/warmup.py)."""
    from matching.warmup import start

    start(worker.wsgi)
