// Clients that go away mid-stream: their requests are cancelled and their KV blocks
// freed, so /metrics soon shows zero blocks in use.
//   HERD_KV_IN_USE_METRIC  the gauge to read (default herd_kv_blocks_in_use)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, STORY } from './support/suite.js';

const ctx = useServer();
const METRIC = process.env.HERD_KV_IN_USE_METRIC || 'herd_kv_blocks_in_use';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The value of an unlabelled sample in Prometheus' text format.
async function gauge(name) {
  const res = await fetch(`${ctx.server.baseUrl}/metrics`);
  assert.equal(res.status, 200);
  const text = await res.text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  assert.ok(line, `/metrics has no ${name}:\n${text}`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function waitFor(name, want, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let value = await gauge(name);
  while (value !== want && Date.now() < deadline) {
    await sleep(50);
    value = await gauge(name);
  }
  return value;
}

// Opens a long stream, reads `chunksBeforeAbort` chunks, and leaves it open; the caller aborts.
async function openStream(controller, chunksBeforeAbort) {
  const stream = await ctx.client.completions.create(
    { model: ctx.model, prompt: STORY, max_tokens: 1000, temperature: 0, stream: true, ignore_eos: true },
    { signal: controller.signal },
  );
  const it = stream[Symbol.asyncIterator]();
  for (let i = 0; i < chunksBeforeAbort; i++) await it.next();
  return it;
}

test('aborted streams free every KV block', async () => {
  assert.equal(await waitFor(METRIC, 0, 5000), 0, 'idle server starts with no blocks in use');
  const controllers = Array.from({ length: 4 }, () => new AbortController());
  const iterators = await Promise.all(controllers.map((c, i) => openStream(c, 2 + i)));
  assert.ok((await gauge(METRIC)) > 0, 'streams in flight hold KV blocks');

  for (const c of controllers) c.abort();
  for (const it of iterators) await it.next().catch(() => {}); // let the client see the abort

  assert.equal(await waitFor(METRIC, 0, 5000), 0, `${METRIC} should drop to 0 after the clients left`);
});

test('the server still answers after the disconnects', async () => {
  const res = await ctx.client.completions.create({ model: ctx.model, prompt: STORY, max_tokens: 4, temperature: 0 });
  assert.equal(res.usage.completion_tokens, 4);
});
