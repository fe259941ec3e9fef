// Stop sequences: the output ends just before the first stop string, never contains
// it (streamed or not), and finish_reason is "stop".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, STORY } from './support/suite.js';
import { collectChat, collectCompletion } from './support/streams.js';

const ctx = useServer();

// A stop string the greedy continuation is sure to reach: a later word of that
// continuation (with its leading space), found by generating once without stops.
async function greedyAndStop() {
  const res = await ctx.client.completions.create({ model: ctx.model, prompt: STORY, max_tokens: 40, temperature: 0 });
  const text = res.choices[0].text;
  const words = text.split(' ').filter((w) => /^[A-Za-z]{2,}$/.test(w));
  assert.ok(words.length >= 3, `too few words to pick a stop from: ${JSON.stringify(text)}`);
  const stop = ` ${words[2]}`;
  const at = text.indexOf(stop);
  assert.ok(at > 0, `stop ${JSON.stringify(stop)} not in ${JSON.stringify(text)}`);
  return { text, stop, expected: text.slice(0, at) };
}

test('completions: a stop string ends the text before it', async () => {
  const { stop, expected } = await greedyAndStop();
  const res = await ctx.client.completions.create({ model: ctx.model, prompt: STORY, max_tokens: 40, temperature: 0, stop });
  assert.equal(res.choices[0].text, expected);
  assert.ok(!res.choices[0].text.includes(stop));
  assert.equal(res.choices[0].finish_reason, 'stop');
});

test('completions streaming: the stop string is never sent', async () => {
  const { stop, expected } = await greedyAndStop();
  const stream = await ctx.client.completions.create({
    model: ctx.model, prompt: STORY, max_tokens: 40, temperature: 0, stop: [stop, 'zzzz-never'], stream: true,
  });
  const { texts, finish } = await collectCompletion(stream);
  assert.equal(texts[0], expected);
  assert.ok(!texts[0].includes(stop));
  assert.equal(finish[0], 'stop');
});

test('chat: stop as a list, streamed and not', async () => {
  const base = { model: ctx.model, messages: [{ role: 'user', content: STORY }], max_tokens: 40, temperature: 0 };
  const free = await ctx.client.chat.completions.create(base);
  const text = free.choices[0].message.content;
  const word = text.split(' ').filter((w) => /^[A-Za-z]{2,}$/.test(w))[1];
  assert.ok(word, `no word to stop at in ${JSON.stringify(text)}`);
  const stop = ` ${word}`;
  const expected = text.slice(0, text.indexOf(stop));

  const res = await ctx.client.chat.completions.create({ ...base, stop: [stop] });
  assert.equal(res.choices[0].message.content, expected);
  assert.equal(res.choices[0].finish_reason, 'stop');

  const { texts, finish } = await collectChat(await ctx.client.chat.completions.create({ ...base, stop: [stop], stream: true }));
  assert.equal(texts[0], expected);
  assert.ok(!texts[0].includes(stop));
  assert.equal(finish[0], 'stop');
});
