"""gunicorn settings for production: `gunicorn -c config/gunicorn.py config.wsgi`.

gthread workers keep client connections alive; a shorter GIL switch interval stops a worker's
connection-handling thread from waiting behind busy request threads (measured in bench/tokens.py:
about +10 % on the token endpoints at 0.5 ms instead of Python's 5 ms).
"""
import os
import sys

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
keepalive = 30
switch_interval = float(os.environ.get("GUNICORN_SWITCH_INTERVAL", "0.0005"))


def post_fork(server, worker):
    sys.setswitchinterval(switch_interval)
