// SIGTERM drains: /health turns 503 at once, new requests are refused with 503, the
// request in flight runs to its end, and then the server exits cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { useServer, STORY } from './support/suite.js';
import { collectCompletion } from './support/streams.js';

const ctx = useServer();
const MAX_TOKENS = 1500;

test('SIGTERM: 503 for newcomers, the stream in flight finishes, exit 0', async () => {
  const stream = await ctx.client.completions.create({
    model: ctx.model, prompt: STORY, max_tokens: MAX_TOKENS, temperature: 0, stream: true, ignore_eos: true,
    stream_options: { include_usage: true },
  });
  const it = stream[Symbol.asyncIterator]();
  const firstChunk = await it.next();
  const rest = collectCompletion({ [Symbol.asyncIterator]: () => it });

  ctx.server.proc.kill('SIGTERM');
  let health = 200;
  for (let i = 0; i < 50 && health === 200; i++) {
    health = (await fetch(`${ctx.server.baseUrl}/health`)).status;
  }
  assert.equal(health, 503, '/health goes 503 while draining');

  let err;
  try {
    await ctx.client.completions.create({ model: ctx.model, prompt: STORY, max_tokens: 4 });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof OpenAI.APIError, `a new request is refused, got ${err?.constructor?.name}: ${err?.message}`);
  assert.equal(err.status, 503);

  const { finish, usage } = await rest;
  assert.ok(!firstChunk.done);
  assert.equal(finish[0], 'length', 'the request in flight runs to its end');
  assert.equal(usage.completion_tokens, MAX_TOKENS);

  const { code, signal } = await ctx.server.exit;
  assert.equal(signal, null);
  assert.equal(code, 0, `herd serve exits 0 after draining:\n${ctx.server.logs.join('')}`);
});
