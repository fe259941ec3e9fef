// POST /tokenize and POST /detokenize (llama-server's shapes: {"content"} <-> {"tokens"})
// round-trip text exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from './support/suite.js';

const ctx = useServer();

async function post(path, body) {
  const res = await fetch(`${ctx.server.baseUrl}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  return res.json();
}

for (const text of ['Once upon a time', 'Lily saw a big dog. "Hello!" she said.\nThe end.']) {
  test(`round trip: ${JSON.stringify(text)}`, async () => {
    const { tokens } = await post('/tokenize', { content: text });
    assert.ok(Array.isArray(tokens) && tokens.length > 0);
    for (const t of tokens) assert.ok(Number.isInteger(t) && t >= 0, `token ${t}`);
    const { content } = await post('/detokenize', { tokens });
    assert.equal(content, text);
  });
}

test('tokenize counts match the prompt_tokens of a completion', async () => {
  const text = 'Once upon a time';
  const { tokens } = await post('/tokenize', { content: text, add_special: true });
  const res = await ctx.client.completions.create({ model: ctx.model, prompt: text, max_tokens: 1, temperature: 0 });
  assert.equal(res.usage.prompt_tokens, tokens.length);
});
