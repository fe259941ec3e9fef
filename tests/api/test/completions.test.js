// /v1/completions (legacy): text prompts, token-id prompts, streaming, usage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, STORY } from './support/suite.js';
import { collectCompletion } from './support/streams.js';

const ctx = useServer();

test('non-streaming completion: shape and usage', async () => {
  const res = await ctx.client.completions.create({ model: ctx.model, prompt: STORY, max_tokens: 16, temperature: 0 });
  assert.equal(res.object, 'text_completion');
  assert.equal(res.model, ctx.model);
  assert.equal(typeof res.id, 'string');
  assert.ok(Number.isInteger(res.created));
  assert.equal(res.choices.length, 1);
  assert.equal(res.choices[0].index, 0);
  assert.ok(res.choices[0].text.length > 0);
  assert.ok(['stop', 'length'].includes(res.choices[0].finish_reason));
  const u = res.usage;
  assert.ok(u.prompt_tokens > 0);
  assert.ok(u.completion_tokens > 0 && u.completion_tokens <= 16);
  assert.equal(u.total_tokens, u.prompt_tokens + u.completion_tokens);
});

test('streaming completion equals the non-streamed one and reports usage', async () => {
  const body = { model: ctx.model, prompt: STORY, max_tokens: 24, temperature: 0 };
  const whole = await ctx.client.completions.create(body);
  const stream = await ctx.client.completions.create({ ...body, stream: true, stream_options: { include_usage: true } });
  const { texts, finish, usage, chunks } = await collectCompletion(stream);
  for (const c of chunks) assert.equal(c.object, 'text_completion');
  assert.equal(texts[0], whole.choices[0].text);
  assert.equal(finish[0], whole.choices[0].finish_reason);
  assert.ok(usage);
  assert.equal(usage.completion_tokens, whole.usage.completion_tokens);
  assert.equal(usage.prompt_tokens, whole.usage.prompt_tokens);
});

test('a prompt of token ids gives the same text as its string', async () => {
  const tok = await fetch(`${ctx.server.baseUrl}/tokenize`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ content: STORY }),
  });
  assert.equal(tok.status, 200);
  const { tokens } = await tok.json();
  const ids = tokens.map((t) => (typeof t === 'number' ? t : t.id));
  const byText = await ctx.client.completions.create({ model: ctx.model, prompt: STORY, max_tokens: 12, temperature: 0 });
  const byIds = await ctx.client.completions.create({ model: ctx.model, prompt: ids, max_tokens: 12, temperature: 0 });
  assert.equal(byIds.choices[0].text, byText.choices[0].text);
});

test('max_tokens ends with finish_reason "length" and exactly that many tokens', async () => {
  const res = await ctx.client.completions.create({ model: ctx.model, prompt: STORY, max_tokens: 5, temperature: 0 });
  assert.equal(res.choices[0].finish_reason, 'length');
  assert.equal(res.usage.completion_tokens, 5);

  const stream = await ctx.client.completions.create({
    model: ctx.model, prompt: STORY, max_tokens: 5, temperature: 0, stream: true, stream_options: { include_usage: true },
  });
  const { finish, usage } = await collectCompletion(stream);
  assert.equal(finish[0], 'length');
  assert.equal(usage.completion_tokens, 5);
});
