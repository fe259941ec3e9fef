// /v1/chat/completions with and without streaming: response shape, usage, finish.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, STORY } from './support/suite.js';
import { collectChat } from './support/streams.js';

const ctx = useServer();

test('non-streaming chat: shape and usage', async () => {
  const before = Math.floor(Date.now() / 1000);
  const res = await ctx.client.chat.completions.create({
    model: ctx.model,
    messages: [{ role: 'user', content: STORY }],
    max_tokens: 16,
    temperature: 0,
  });
  assert.equal(typeof res.id, 'string');
  assert.ok(res.id.length > 0);
  assert.equal(res.object, 'chat.completion');
  assert.equal(res.model, ctx.model);
  assert.ok(Number.isInteger(res.created) && res.created >= before - 5, `created ${res.created}`);
  assert.equal(res.choices.length, 1);
  const [choice] = res.choices;
  assert.equal(choice.index, 0);
  assert.equal(choice.message.role, 'assistant');
  assert.equal(typeof choice.message.content, 'string');
  assert.ok(['stop', 'length'].includes(choice.finish_reason));
  const u = res.usage;
  assert.ok(u.prompt_tokens > 0);
  assert.ok(u.completion_tokens > 0 && u.completion_tokens <= 16);
  assert.equal(u.total_tokens, u.prompt_tokens + u.completion_tokens);
});

test('streaming chat: chunks, [DONE], and usage with include_usage', async () => {
  const stream = await ctx.client.chat.completions.create({
    model: ctx.model,
    messages: [{ role: 'user', content: STORY }],
    max_tokens: 12,
    temperature: 0,
    stream: true,
    stream_options: { include_usage: true },
  });
  const { texts, finish, usage, chunks } = await collectChat(stream);
  assert.ok(chunks.length >= 2);
  const ids = new Set(chunks.map((c) => c.id));
  assert.equal(ids.size, 1, 'one id across the stream');
  for (const c of chunks) {
    assert.equal(c.object, 'chat.completion.chunk');
    assert.equal(c.model, ctx.model);
  }
  assert.ok(texts[0].length > 0);
  assert.ok(['stop', 'length'].includes(finish[0]));
  assert.ok(usage, 'a usage chunk at the end');
  assert.equal(chunks.at(-1).usage, usage, 'usage comes in the last chunk');
  assert.deepEqual(chunks.at(-1).choices, [], 'the usage chunk has no choices');
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
});

test('streaming chat without include_usage sends no usage', async () => {
  const stream = await ctx.client.chat.completions.create({
    model: ctx.model,
    messages: [{ role: 'user', content: STORY }],
    max_tokens: 4,
    temperature: 0,
    stream: true,
  });
  const { usage } = await collectChat(stream);
  assert.equal(usage, null);
});

test('streamed text equals the non-streamed text (greedy)', async () => {
  const body = { model: ctx.model, messages: [{ role: 'user', content: STORY }], max_tokens: 24, temperature: 0 };
  const whole = await ctx.client.chat.completions.create(body);
  const { texts, finish } = await collectChat(await ctx.client.chat.completions.create({ ...body, stream: true }));
  assert.equal(texts[0], whole.choices[0].message.content);
  assert.equal(finish[0], whole.choices[0].finish_reason);
});

test('system, user and assistant turns; content as a list of text parts', async () => {
  const res = await ctx.client.chat.completions.create({
    model: ctx.model,
    messages: [
      { role: 'system', content: 'You tell short stories.' },
      { role: 'user', content: [{ type: 'text', text: 'Tell me' }, { type: 'text', text: 'a story.' }] },
      { role: 'assistant', content: STORY },
      { role: 'user', content: 'Go on.' },
    ],
    max_tokens: 8,
    temperature: 0,
    user: 'api-test',
    presence_penalty: 0.5,
    frequency_penalty: 0.5,
    top_p: 0.9,
  });
  assert.equal(res.choices.length, 1);
  assert.ok(res.usage.completion_tokens > 0);
});

test('max_completion_tokens bounds the output like max_tokens', async () => {
  const res = await ctx.client.chat.completions.create({
    model: ctx.model,
    messages: [{ role: 'user', content: STORY }],
    max_completion_tokens: 3,
    temperature: 0,
  });
  assert.equal(res.choices[0].finish_reason, 'length');
  assert.equal(res.usage.completion_tokens, 3);
});
