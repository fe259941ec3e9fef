// The small endpoints: /health, /v1/models, /metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from './support/suite.js';

const ctx = useServer();

// name{label="value",...} number — label values are quoted and may hold any character.
const SAMPLE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? (NaN|[-+]?Inf|[-+0-9.eE]+)$/;

test('GET /health is 200 once the model is loaded', async () => {
  const res = await fetch(`${ctx.server.baseUrl}/health`);
  assert.equal(res.status, 200);
});

test('GET /v1/models lists the served model', async () => {
  const page = await ctx.client.models.list();
  assert.ok(page.data.length >= 1);
  const [m] = page.data;
  assert.equal(m.object, 'model');
  assert.equal(typeof m.id, 'string');
  assert.ok(Number.isInteger(m.created));
  assert.equal(typeof m.owned_by, 'string');
  const one = await ctx.client.models.retrieve(m.id);
  assert.equal(one.id, m.id);
});

test('GET /metrics is Prometheus text with request counters and latency histograms', async () => {
  await ctx.client.completions.create({ model: ctx.model, prompt: 'Once upon a time', max_tokens: 4, temperature: 0 });
  const res = await fetch(`${ctx.server.baseUrl}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  const text = await res.text();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    assert.match(line, SAMPLE, `not a sample line: ${line}`);
  }
  assert.match(text, /# TYPE \S+ histogram/);
});
