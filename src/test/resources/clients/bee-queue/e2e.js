// bee-queue against raft-kv (BeeQueueIT): a producer on one peer, a worker on each of two other
// peers; every job runs exactly once, its result reaches the producer through Pub/Sub, and the
// queue ends empty. usage: node e2e.js HOST PRODUCER_PORT WORKER_PORT_1 WORKER_PORT_2 [JOBS [slow]]
// With "slow" each job takes 30 ms and the script prints HALFWAY once a third of the jobs have
// succeeded, so that the test can stop a peer while jobs are queued, running and completing.
'use strict';
const Queue = require('bee-queue');
const redis = require('redis');

const [host, producerPort, w1, w2] = process.argv.slice(2, 6);
const jobs = Number(process.argv[6] || 40);
const slow = process.argv[7] === 'slow';
const name = 'e2e-' + process.pid;
const settings = (port, worker) => ({
  redis: { host, port: Number(port) },
  isWorker: worker,
  getEvents: !worker,
  sendEvents: true,
  removeOnSuccess: false,
  stallInterval: 60000,
});

function fail(why) {
  console.error('bee-queue e2e: FAILED: ' + why);
  process.exit(1);
}
setTimeout(() => fail('not done within 90 s'), 90000).unref();

async function main() {
  const producer = new Queue(name, settings(producerPort, false));
  const counter = redis.createClient({ host, port: Number(producerPort) });
  const incr = (key) => new Promise((res, rej) => counter.incr(key, (e, v) => (e ? rej(e) : res(v))));
  const get = (key) => new Promise((res, rej) => counter.get(key, (e, v) => (e ? rej(e) : res(v))));
  const workers = [w1, w2].map((port, i) => {
    const q = new Queue(name, settings(port, true));
    q.process(4, async (job) => {
      await incr(name + ':runs:' + job.id);
      if (slow) await new Promise((r) => setTimeout(r, 30));
      return { doubled: job.data.x * 2, by: i };
    });
    return q;
  });
  await producer.ready();
  await Promise.all(workers.map((w) => w.ready()));

  const results = new Map();
  const done = new Promise((resolve) => {
    producer.on('job succeeded', (id, result) => {
      results.set(String(id), result);
      if (slow && results.size === Math.floor(jobs / 3)) console.log('HALFWAY');
      if (results.size === jobs) resolve();
    });
    producer.on('job failed', (id, err) => fail('job ' + id + ' failed: ' + err));
  });
  const created = [];
  for (let x = 0; x < jobs; x++) {
    created.push(await producer.createJob({ x }).retries(0).save());
  }
  await done;

  const perWorker = [0, 0];
  for (const job of created) {
    const r = results.get(String(job.id));
    if (!r || r.doubled !== job.data.x * 2) fail('job ' + job.id + ' result ' + JSON.stringify(r));
    const runs = Number(await get(name + ':runs:' + job.id));
    if (runs !== 1) fail('job ' + job.id + ' ran ' + runs + ' times');
    perWorker[r.by]++;
  }
  const counts = await producer.checkHealth();
  if (counts.waiting !== 0 || counts.active !== 0 || counts.succeeded !== jobs) {
    fail('queue at the end: ' + JSON.stringify(counts));
  }
  await Promise.all(workers.map((w) => w.close(5000)));
  await producer.close(5000);
  counter.quit();
  console.log('bee-queue e2e: OK ' + jobs + ' jobs, each run once; per worker: ' + perWorker.join(', '));
}

main().catch((e) => fail(e && e.stack ? e.stack : String(e)));
