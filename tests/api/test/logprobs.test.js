// logprobs / top_logprobs: shapes as OpenAI sends them, and values that make sense
// (every logprob <= 0, top lists sorted, and under greedy decoding the chosen token
// is the most likely one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, STORY } from './support/suite.js';
import { collectChat } from './support/streams.js';

const ctx = useServer();
const EPS = 1e-4;

function checkTop(entry, k) {
  assert.equal(entry.top_logprobs.length, k);
  for (const t of entry.top_logprobs) {
    assert.equal(typeof t.token, 'string');
    assert.ok(t.logprob <= 0, `logprob ${t.logprob} > 0`);
  }
  for (let i = 1; i < k; i++) {
    assert.ok(entry.top_logprobs[i - 1].logprob >= entry.top_logprobs[i].logprob, 'top_logprobs sorted, most likely first');
  }
  // Greedy: the chosen token is in the list, and nothing listed beats it.
  assert.ok(entry.top_logprobs.some((t) => t.token === entry.token), `chosen ${JSON.stringify(entry.token)} not in top`);
  assert.ok(Math.abs(entry.top_logprobs[0].logprob - entry.logprob) < EPS, 'chosen token is the most likely');
}

test('chat: logprobs.content has one entry per token with top_logprobs', async () => {
  const res = await ctx.client.chat.completions.create({
    model: ctx.model, messages: [{ role: 'user', content: STORY }], max_tokens: 8, temperature: 0,
    logprobs: true, top_logprobs: 3,
  });
  const { content } = res.choices[0].logprobs;
  assert.equal(content.length, res.usage.completion_tokens);
  for (const entry of content) {
    assert.equal(typeof entry.token, 'string');
    assert.ok(entry.logprob <= 0);
    if (entry.bytes !== null && entry.bytes !== undefined) {
      assert.deepEqual(entry.bytes, [...Buffer.from(entry.token, 'utf8')]);
    }
    checkTop(entry, 3);
  }
  assert.equal(content.map((e) => e.token).join(''), res.choices[0].message.content);
});

test('chat: logprobs without top_logprobs gives empty top lists', async () => {
  const res = await ctx.client.chat.completions.create({
    model: ctx.model, messages: [{ role: 'user', content: STORY }], max_tokens: 4, temperature: 0, logprobs: true,
  });
  for (const entry of res.choices[0].logprobs.content) {
    assert.ok(entry.logprob <= 0);
    assert.deepEqual(entry.top_logprobs, []);
  }
});

test('chat: no logprobs asked, none sent', async () => {
  const res = await ctx.client.chat.completions.create({
    model: ctx.model, messages: [{ role: 'user', content: STORY }], max_tokens: 4, temperature: 0,
  });
  assert.ok(res.choices[0].logprobs === null || res.choices[0].logprobs === undefined);
});

test('chat streaming: each chunk carries the logprobs of its own tokens', async () => {
  const stream = await ctx.client.chat.completions.create({
    model: ctx.model, messages: [{ role: 'user', content: STORY }], max_tokens: 8, temperature: 0,
    logprobs: true, top_logprobs: 2, stream: true,
  });
  const { texts, chunks } = await collectChat(stream);
  const entries = chunks.flatMap((c) => c.choices.flatMap((ch) => ch.logprobs?.content ?? []));
  assert.equal(entries.length, 8);
  for (const e of entries) checkTop(e, 2);
  assert.equal(entries.map((e) => e.token).join(''), texts[0]);
});

test('completions: legacy logprobs arrays line up', async () => {
  const res = await ctx.client.completions.create({ model: ctx.model, prompt: STORY, max_tokens: 8, temperature: 0, logprobs: 3 });
  const lp = res.choices[0].logprobs;
  const n = res.usage.completion_tokens;
  assert.equal(lp.tokens.length, n);
  assert.equal(lp.token_logprobs.length, n);
  assert.equal(lp.top_logprobs.length, n);
  assert.equal(lp.text_offset.length, n);
  assert.equal(lp.tokens.join(''), res.choices[0].text);
  for (let i = 0; i < n; i++) {
    assert.ok(lp.token_logprobs[i] <= 0);
    const top = Object.entries(lp.top_logprobs[i]);
    assert.ok(top.length >= 1 && top.length <= 4, `top has ${top.length} entries`);
    const best = Math.max(...top.map(([, v]) => v));
    assert.ok(Math.abs(best - lp.token_logprobs[i]) < EPS, 'greedy picks the most likely token');
    assert.ok(lp.tokens[i] in lp.top_logprobs[i], 'the chosen token is in its top list');
    if (i > 0) assert.ok(lp.text_offset[i] >= lp.text_offset[i - 1]);
  }
});
