// ioredis' Cluster client, unchanged, against raft-kv in cluster mode (ClusterModeIT).
//
// usage: node cluster.js HOST PORT write|read PREFIX FROM TO
//   write: SET PREFIX:i = v-i for FROM <= i < TO, each retried until acknowledged (30 s);
//          prints "acked N"
//   read:  GET every key of the range, prints "read N" when every value is the one written
// Both also run a multi-key command in one slot, print "ioredis cluster: OK" at the end and exit 0;
// any other outcome exits 1.
const Redis = require("ioredis");

async function main() {
  const [host, port, mode, prefix, first, last] = process.argv.slice(2);
  const cluster = new Redis.Cluster([{ host, port: Number(port) }], {
    // the topology comes from CLUSTER SLOTS; a MOVED reply makes ioredis refresh it
    redisOptions: { connectTimeout: 5000, commandTimeout: 15000 },
    clusterRetryStrategy: (times) => Math.min(100 * times, 2000),
    retryDelayOnMoved: 100,
    retryDelayOnClusterDown: 200,
    retryDelayOnFailover: 200,
    maxRedirections: 32,
  });
  let done = 0;
  for (let i = Number(first); i < Number(last); i++) {
    const key = `${prefix}:${i}`;
    if (mode === "write") {
      const deadline = Date.now() + 30000;
      for (;;) {
        try {
          const r = await cluster.set(key, `v-${i}`);
          if (r !== "OK") throw new Error(`SET ${key}: ${r}`);
          break;
        } catch (e) {
          if (Date.now() > deadline) throw e;
          console.log(`retrying ${key}: ${e.message}`);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    } else {
      const got = await cluster.get(key);
      if (got !== `v-${i}`) throw new Error(`${key}: ${got}`);
    }
    done++;
  }
  // a multi-key command in one slot (hash tag), and its read back
  await cluster.mset(`{${prefix}}a`, "1", `{${prefix}}b`, "2");
  const both = await cluster.mget(`{${prefix}}a`, `{${prefix}}b`);
  if (both.join(",") !== "1,2") throw new Error(`MGET: ${both}`);
  // across slots: the server refuses it with CROSSSLOT
  try {
    await cluster.call("mset", `${prefix}-x`, "1", `${prefix}-y`, "2");
    throw new Error("MSET across slots was accepted");
  } catch (e) {
    if (!String(e.message).startsWith("CROSSSLOT")) throw e;
  }
  console.log(`${mode === "write" ? "acked" : "read"} ${done}`);
  console.log("ioredis cluster: OK");
  await cluster.quit();
}

main().catch((e) => {
  console.log(`ioredis cluster: FAILED ${e.stack || e}`);
  process.exit(1);
});
