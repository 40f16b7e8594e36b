"""Tasks for celery_e2e.py: each counts its own runs in the store."""
import os

import redis
from celery import Celery

broker = os.environ["CELERY_BROKER"]
backend = os.environ["CELERY_BACKEND"]
app = Celery("raftkv_e2e", broker=broker, backend=backend)
app.conf.update(task_acks_late=False, worker_prefetch_multiplier=1, broker_connection_retry_on_startup=True)
_counter = redis.Redis.from_url(backend)


@app.task(bind=True)
def add(self, a, b):
    _counter.incr("celery-e2e:runs:" + self.request.id)
    return a + b
