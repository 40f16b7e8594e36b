"""Celery (Debian's python3-celery) against raft-kv: a task round trip through the Redis broker and
result backend. The producer talks to one peer, the worker (a separate process) to another; each
task runs exactly once and its result comes back.

usage: celery_e2e.py HOST PRODUCER_PORT WORKER_PORT [TASKS]
"""
import os
import subprocess
import sys

sys.dont_write_bytecode = True  # nothing written next to the scripts (they live in the source tree)
host, producer, worker_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
n = int(sys.argv[4]) if len(sys.argv) > 4 else 20
here = os.path.dirname(os.path.abspath(__file__))
env = dict(os.environ, PYTHONPATH=here, PYTHONDONTWRITEBYTECODE="1",
           CELERY_BROKER="redis://%s:%d/0" % (host, worker_port),
           CELERY_BACKEND="redis://%s:%d/0" % (host, worker_port))
worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "celery_tasks", "worker", "--pool=solo",
                           "--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
                          cwd=here, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
try:
    os.environ["CELERY_BROKER"] = "redis://%s:%d/0" % (host, producer)
    os.environ["CELERY_BACKEND"] = "redis://%s:%d/0" % (host, producer)
    sys.path.insert(0, here)
    import celery_tasks  # noqa: E402
    results = [celery_tasks.add.delay(i, 100) for i in range(n)]
    for i, r in enumerate(results):
        v = r.get(timeout=60)
        assert v == i + 100, (r.id, v)
        runs = int(celery_tasks._counter.get("celery-e2e:runs:" + r.id) or 0)
        assert runs == 1, ("task ran %d times" % runs, r.id)
    print("celery e2e: OK", n, "tasks, each run once")
finally:
    worker.terminate()
    try:
        out, _ = worker.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        out, _ = worker.communicate()
    if worker.returncode not in (0, -15) and "OK" not in out.decode(errors="replace"):
        sys.stderr.write(out.decode(errors="replace")[-3000:])
