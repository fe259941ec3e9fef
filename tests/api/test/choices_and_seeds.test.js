// n > 1 and seeds: greedy choices are all equal; sampled choices are reproducible
// with a seed, whether asked for together (n) or request by request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, STORY } from './support/suite.js';
import { collectChat } from './support/streams.js';

const ctx = useServer();

const texts = (res) => res.choices.map((c) => c.message.content);

test('n = 3 greedy: three equal choices, indexed 0..2, usage summed', async () => {
  const res = await ctx.client.chat.completions.create({
    model: ctx.model, messages: [{ role: 'user', content: STORY }], max_tokens: 16, temperature: 0, n: 3,
  });
  assert.deepEqual(res.choices.map((c) => c.index), [0, 1, 2]);
  const [a, b, c] = texts(res);
  assert.equal(a, b);
  assert.equal(b, c);
  const one = await ctx.client.chat.completions.create({
    model: ctx.model, messages: [{ role: 'user', content: STORY }], max_tokens: 16, temperature: 0,
  });
  assert.equal(a, one.choices[0].message.content);
  assert.equal(res.usage.completion_tokens, 3 * one.usage.completion_tokens);
  assert.equal(res.usage.prompt_tokens, one.usage.prompt_tokens, 'the prompt is counted once');
});

test('n = 3 sampled with a seed: reproducible, and the choices are not all one', async () => {
  const body = {
    model: ctx.model, messages: [{ role: 'user', content: STORY }], max_tokens: 32, temperature: 1.0, seed: 1234, n: 3,
  };
  const first = texts(await ctx.client.chat.completions.create(body));
  const second = texts(await ctx.client.chat.completions.create(body));
  assert.deepEqual(second, first);
  // Three independent samples of 32 tokens at temperature 1 coincide only if every
  // choice got the same random stream.
  assert.ok(new Set(first).size > 1, `choices should be independent samples: ${JSON.stringify(first)}`);
});

test('n = 2 streamed: chunks for both indices', async () => {
  const stream = await ctx.client.chat.completions.create({
    model: ctx.model, messages: [{ role: 'user', content: STORY }], max_tokens: 8, temperature: 0, n: 2, stream: true,
  });
  const { texts: streamed, finish } = await collectChat(stream);
  assert.equal(streamed.length, 2);
  assert.equal(streamed[0], streamed[1]);
  assert.equal(finish.length, 2);
});

test('the same seed gives the same sample; different seeds do not all agree', async () => {
  const ask = async (seed) =>
    (await ctx.client.completions.create({ model: ctx.model, prompt: STORY, max_tokens: 32, temperature: 0.9, seed }))
      .choices[0].text;
  const a = await ask(7);
  assert.equal(await ask(7), a);
  const others = [await ask(8), await ask(9), await ask(10)];
  assert.ok(others.some((t) => t !== a), 'seed should change the sample');
});
