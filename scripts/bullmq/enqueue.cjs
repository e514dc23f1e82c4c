// Enqueues jobs with the real BullMQ client, for `scale observe`'s tests.
// Usage: NODE_PATH=DIR/node_modules node enqueue.cjs REDIS_URL QUEUE PLAN
// PLAN is JSON: {"plain": N, "prioritized": [P, …], "delayed": N, "pause": bool}
// Prints {"bullmq": version, "ids": [...]} on stdout.
const { Queue } = require("bullmq");
const version = require("bullmq/package.json").version;

async function main() {
  const [url, name, planText] = process.argv.slice(2);
  const plan = JSON.parse(planText);
  const u = new URL(url);
  const queue = new Queue(name, {
    connection: { host: u.hostname, port: Number(u.port) || 6379 },
  });
  const ids = [];
  for (let i = 0; i < (plan.plain || 0); i++) {
    ids.push((await queue.add("job", { i })).id);
  }
  for (const p of plan.prioritized || []) {
    ids.push((await queue.add("job", { p }, { priority: p })).id);
  }
  for (let i = 0; i < (plan.delayed || 0); i++) {
    ids.push((await queue.add("job", { i }, { delay: 3600000 })).id);
  }
  if (plan.pause) await queue.pause();
  await queue.close();
  process.stdout.write(JSON.stringify({ bullmq: version, ids }) + "\n");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
