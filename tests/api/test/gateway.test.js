// herd serve --auth with keys made by `herd keys create`: the official openai client with
// apiKey works unchanged, wrong keys, rate limits and budgets come back as the client's
// own error classes, and the usage the clients received is what `herd usage` reports.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { HerdServer } from './support/server.js';
import { STORY } from './support/suite.js';

const home = mkdtempSync(path.join(tmpdir(), 'herd-gateway-'));
const env = { ...process.env, HERD_HOME: home };
const herd = (...args) => execFileSync(process.env.HERD_BIN, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const makeKey = (...args) => herd('keys', 'create', ...args).trim();

let server;
let model;
const keys = {};
const client = (apiKey) => new OpenAI({ baseURL: `${server.baseUrl}/v1`, apiKey, maxRetries: 0, timeout: 60_000 });

before(async () => {
  keys.team = makeKey('--name', 'team');
  keys.ops = makeKey('--name', 'ops', '--admin');
  keys.slow = makeKey('--name', 'slow', '--rpm', '2');
  keys.poor = makeKey('--name', 'poor', '--budget', '0.001', '--period', 'day');
  herd('prices', 'set', 'stories260K', '--input', '10', '--cached-input', '5', '--output', '20');
  server = await HerdServer.start(['--parallel', '4', '--auth'], { env: { HERD_HOME: home } });
  model = (await client(keys.team).models.list()).data[0].id;
});

after(async () => {
  if (server) await server.stop();
  rmSync(home, { recursive: true, force: true });
});

test('the openai client with apiKey: completions, streams and models', async () => {
  const c = client(keys.team);
  assert.equal(model, 'stories260K');
  const chat = await c.chat.completions.create({ model, messages: [{ role: 'user', content: STORY }], max_tokens: 8 });
  assert.equal(chat.usage.completion_tokens, 8);
  const stream = await c.completions.create({ model, prompt: STORY, max_tokens: 5, stream: true, stream_options: { include_usage: true } });
  let usage;
  for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
  assert.equal(usage.completion_tokens, 5);
});

test('a wrong key is the client\'s AuthenticationError with invalid_api_key', async () => {
  for (const apiKey of ['not-a-key', 'herd_' + 'x'.repeat(43), keys.team + 'x']) {
    await assert.rejects(client(apiKey).models.list(), (e) => {
      assert.ok(e instanceof OpenAI.AuthenticationError, `${e.constructor.name}: ${e.message}`);
      assert.equal(e.status, 401);
      assert.equal(e.code, 'invalid_api_key');
      assert.ok(!e.message.includes(apiKey), 'the key is not echoed');
      return true;
    });
  }
});

test('requests per minute: the third is a RateLimitError with Retry-After', async () => {
  const c = client(keys.slow);
  for (let i = 0; i < 2; i++) await c.completions.create({ model, prompt: STORY, max_tokens: 2 });
  await assert.rejects(c.completions.create({ model, prompt: STORY, max_tokens: 2 }), (e) => {
    assert.ok(e instanceof OpenAI.RateLimitError, `${e.constructor.name}: ${e.message}`);
    assert.equal(e.code, 'rate_limit_exceeded');
    assert.ok(Number(e.headers.get('retry-after')) >= 1);
    assert.equal(e.headers.get('x-ratelimit-limit-requests'), '2');
    return true;
  });
});

test('a budget that cannot cover the worst case is insufficient_quota', async () => {
  // 0.001 a day; 64 tokens out at 20 per 1M tokens cost 0.00128 at most.
  await assert.rejects(client(keys.poor).completions.create({ model, prompt: STORY, max_tokens: 64 }), (e) => {
    assert.ok(e instanceof OpenAI.RateLimitError, `${e.constructor.name}: ${e.message}`);
    assert.equal(e.code, 'insufficient_quota');
    return true;
  });
  // A small one fits.
  const ok = await client(keys.poor).completions.create({ model, prompt: STORY, max_tokens: 4 });
  assert.equal(ok.usage.completion_tokens, 4);
});

test('herd usage and /admin/usage equal the usage the client received', async () => {
  const c = client(keys.team);
  let prompt = 0;
  let cached = 0;
  let completion = 0;
  // A fresh key so earlier tests do not count.
  const fresh = makeKey('--name', 'metered');
  const m = client(fresh);
  for (let i = 0; i < 5; i++) {
    const r = await m.chat.completions.create({ model, messages: [{ role: 'user', content: `${STORY} ${i}` }], max_tokens: 3 + i });
    prompt += r.usage.prompt_tokens;
    cached += r.usage.prompt_tokens_details.cached_tokens;
    completion += r.usage.completion_tokens;
  }
  const cli = JSON.parse(herd('usage', '--key', 'metered', '--format', 'json'));
  assert.equal(cli.total.requests, 5);
  assert.equal(cli.total.prompt_tokens, prompt);
  assert.equal(cli.total.completion_tokens, completion);
  assert.equal(cli.total.cached_prompt_tokens, cached);
  // 10, 5 and 20 per 1M tokens are 10, 5 and 20 micros a token: no rounding.
  assert.equal(cli.total.cost_micros, 10 * (prompt - cached) + 5 * cached + 20 * completion);
  const res = await fetch(`${server.baseUrl}/admin/usage?key=metered`, { headers: { Authorization: `Bearer ${keys.ops}` } });
  assert.equal(res.status, 200);
  const admin = await res.json();
  assert.deepEqual(admin.total, cli.total);
  // A non-admin key may not read it.
  const denied = await fetch(`${server.baseUrl}/admin/usage`, { headers: { Authorization: `Bearer ${keys.team}` } });
  assert.equal(denied.status, 403);
  await c.models.list();
});
