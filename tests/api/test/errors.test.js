// Errors in OpenAI's shape ({"error": {"message", "type", "param", "code"}}) with the
// right status, as the openai client surfaces them (its error classes), and the
// body-size limit seen with a raw fetch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { useServer, STORY } from './support/suite.js';

const ctx = useServer();

async function rejectsWith(promise, ErrorClass) {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ErrorClass, `expected ${ErrorClass.name}, got ${err?.constructor?.name}: ${err?.message}`);
    return err;
  }
  assert.fail(`expected ${ErrorClass.name}, but the request succeeded`);
}

const chat = (extra) => ({ model: ctx.model, messages: [{ role: 'user', content: STORY }], max_tokens: 4, ...extra });

for (const [field, value] of [
  ['temperature', 'hot'],
  ['temperature', 7],
  ['max_tokens', -3],
  ['n', 0],
  ['n', 17],
  ['top_logprobs', 1000],
  ['messages', 'not a list'],
]) {
  test(`400 for a bad ${field} (${JSON.stringify(value)}), naming the param`, async () => {
    const extra = field === 'top_logprobs' ? { logprobs: true, [field]: value } : { [field]: value };
    const err = await rejectsWith(ctx.client.chat.completions.create(chat(extra)), OpenAI.BadRequestError);
    assert.equal(err.status, 400);
    assert.equal(err.param, field);
    assert.equal(err.type, 'invalid_request_error');
    assert.equal(typeof err.error.message, 'string');
  });
}

test('400 for a stream that is bad too: errors come before any SSE', async () => {
  const err = await rejectsWith(ctx.client.chat.completions.create(chat({ temperature: -1, stream: true })), OpenAI.BadRequestError);
  assert.equal(err.param, 'temperature');
});

test('400 for a missing prompt on completions', async () => {
  const err = await rejectsWith(ctx.client.completions.create({ model: ctx.model, max_tokens: 4 }), OpenAI.BadRequestError);
  assert.equal(err.param, 'prompt');
});

test('400 for a prompt longer than the context', async () => {
  const prompt = `${STORY} `.repeat(20000);
  const err = await rejectsWith(ctx.client.completions.create({ model: ctx.model, prompt, max_tokens: 4 }), OpenAI.BadRequestError);
  assert.equal(err.status, 400);
});

test('404 for an unknown model', async () => {
  const err = await rejectsWith(
    ctx.client.chat.completions.create(chat({ model: 'no-such-model-anywhere' })),
    OpenAI.NotFoundError,
  );
  assert.equal(err.status, 404);
  assert.equal(typeof err.error.message, 'string');
});

test('400 for a body that is not JSON (raw fetch)', async () => {
  const res = await fetch(`${ctx.server.baseUrl}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model": ',
  });
  assert.equal(res.status, 400);
  const body = await res.json();
  assert.equal(typeof body.error.message, 'string');
  assert.equal(body.error.type, 'invalid_request_error');
});

test('413 for a body over the limit (raw fetch)', async () => {
  const big = JSON.stringify({ model: ctx.model, prompt: 'a'.repeat(16 << 20), max_tokens: 1 });
  let res;
  try {
    res = await fetch(`${ctx.server.baseUrl}/v1/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: big,
    });
  } catch (err) {
    assert.fail(`the server should answer 413, not drop the connection: ${err.cause?.code ?? err.message}`);
  }
  assert.equal(res.status, 413);
  const text = await res.text();
  const body = JSON.parse(text);
  assert.equal(typeof body.error.message, 'string');
});

test('404 JSON for an unknown route', async () => {
  const res = await fetch(`${ctx.server.baseUrl}/v1/no-such-route`);
  assert.equal(res.status, 404);
  const body = await res.json();
  assert.equal(typeof body.error.message, 'string');
});
