// Output apps can rely on: response_format json_schema through the client's own
// chat.completions.parse with a zod schema, json_object, the GBNF `grammar` extension and
// logit_bias, streamed and not, over several seeds and temperatures on stories260K (a model
// that knows nothing of JSON: only the constraint makes its output parse).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { zodResponseFormat } from 'openai/helpers/zod';
import { useServer, STORY } from './support/suite.js';
import { collectChat } from './support/streams.js';

const ctx = useServer();

// Bounded strings and arrays: every sentence of the schema is finite, so every answer ends.
const Character = z.object({
  name: z.string().min(1).max(12),
  age: z.number().int().min(0).max(120),
  mood: z.enum(['happy', 'sad', 'sleepy']),
  friends: z.array(z.string().max(8)).max(3),
  pet: z.object({ kind: z.enum(['cat', 'dog']), legs: z.number().int().min(0).max(4) }).nullable(),
});

test('chat.completions.parse with a zod schema: every answer parses and validates', async () => {
  for (const [temperature, seed] of [[0, 1], [0.8, 2], [1.5, 3], [1.0, 4]]) {
    const res = await ctx.client.chat.completions.parse({
      model: ctx.model,
      messages: [{ role: 'user', content: STORY }],
      response_format: zodResponseFormat(Character, 'character'),
      max_tokens: 400,
      temperature,
      seed,
    });
    const choice = res.choices[0];
    assert.equal(choice.finish_reason, 'stop', `t=${temperature}: ${choice.message.content}`);
    assert.ok(choice.message.parsed, `t=${temperature}: not parsed: ${choice.message.content}`);
    Character.parse(choice.message.parsed);  // throws on anything the schema forbids
  }
});

test('n > 1 choices and streaming obey the schema too', async () => {
  const format = zodResponseFormat(Character, 'character');
  const res = await ctx.client.chat.completions.create({
    model: ctx.model,
    messages: [{ role: 'user', content: STORY }],
    response_format: format,
    max_tokens: 400,
    temperature: 1.2,
    seed: 7,
    n: 4,
  });
  assert.equal(res.choices.length, 4);
  for (const c of res.choices) Character.parse(JSON.parse(c.message.content));
  const stream = await ctx.client.chat.completions.create({
    model: ctx.model,
    messages: [{ role: 'user', content: STORY }],
    response_format: format,
    max_tokens: 400,
    temperature: 0.9,
    seed: 8,
    stream: true,
  });
  const { texts, finish } = await collectChat(stream);
  assert.equal(finish[0], 'stop');
  Character.parse(JSON.parse(texts[0]));
});

test('logprobs under a schema: one entry per token, spelling the answer', async () => {
  const res = await ctx.client.chat.completions.create({
    model: ctx.model,
    messages: [{ role: 'user', content: STORY }],
    response_format: zodResponseFormat(Character, 'character'),
    max_tokens: 400, temperature: 0.7, seed: 5, logprobs: true, top_logprobs: 2,
  });
  const choice = res.choices[0];
  const entries = choice.logprobs.content;
  assert.equal(entries.length, res.usage.completion_tokens - (choice.finish_reason === 'stop' ? 1 : 0));
  assert.equal(Buffer.concat(entries.map((e) => Buffer.from(e.bytes))).toString('utf8'), choice.message.content);
  for (const e of entries) {
    assert.ok(e.logprob <= 0 && Number.isFinite(e.logprob));
    assert.equal(e.top_logprobs.length, 2);
  }
  Character.parse(JSON.parse(choice.message.content));
});

test('json_object: the answer is a JSON object', async () => {
  const res = await ctx.client.chat.completions.create({
    model: ctx.model,
    messages: [{ role: 'user', content: STORY }],
    response_format: { type: 'json_object' },
    max_tokens: 48,
    temperature: 0,
  });
  const text = res.choices[0].message.content;
  assert.ok(text.startsWith('{'), text);
  if (res.choices[0].finish_reason === 'stop') {
    const v = JSON.parse(text);
    assert.equal(typeof v, 'object');
    assert.ok(v !== null && !Array.isArray(v));
  }
});

test('the grammar extension (GBNF) decides the answer', async () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const res = await ctx.client.chat.completions.create({
      model: ctx.model,
      messages: [{ role: 'user', content: STORY }],
      max_tokens: 20,
      temperature: 1.5,
      seed,
      grammar: 'root ::= ("yes" | "no") " " [0-9]{1,3}',
    });
    assert.match(res.choices[0].message.content, /^(yes|no) [0-9]{1,3}$/);
    assert.equal(res.choices[0].finish_reason, 'stop');
  }
});

test('logit_bias forces and bans tokens', async () => {
  const post = async (body) => {
    const r = await fetch(`${ctx.server.baseUrl}/tokenize`, { method: 'POST', body: JSON.stringify(body),
                                                          headers: { 'Content-Type': 'application/json' } });
    return r.json();
  };
  const { tokens } = await post({ content: ' the' });
  const the = tokens[tokens.length - 1];
  const forced = await ctx.client.completions.create({
    model: ctx.model, prompt: STORY, max_tokens: 6, temperature: 0.7, seed: 3,
    logit_bias: { [String(the)]: 100 },
  });
  assert.equal(forced.choices[0].text, ' the'.repeat(6));
  const plain = await ctx.client.completions.create({ model: ctx.model, prompt: STORY, max_tokens: 8, temperature: 0 });
  const one = await ctx.client.completions.create({ model: ctx.model, prompt: STORY, max_tokens: 1, temperature: 0 });
  const withFirst = (await post({ content: STORY + one.choices[0].text })).tokens;
  const promptLen = (await post({ content: STORY })).tokens.length;
  assert.equal(withFirst.length, promptLen + 1, 'the first answer token tokenizes on its own');
  const banned = withFirst[promptLen];  // the greedy answer's first token
  const other = await ctx.client.completions.create({
    model: ctx.model, prompt: STORY, max_tokens: 8, temperature: 0,
    logit_bias: { [String(banned)]: -100 },
  });
  assert.notEqual(other.choices[0].text, plain.choices[0].text);
});

test('what cannot be enforced is a 400 naming the field', async () => {
  const cases = [
    [{ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object', patternProperties: { a: {} } } } } },
      'response_format', /patternProperties/],
    [{ response_format: { type: 'xml' } }, 'response_format.type', /json_schema/],
    [{ grammar: 'root ::= missing' }, 'grammar', /missing/],
    [{ logit_bias: { abc: 1 } }, 'logit_bias', /token ids/],
    [{ logit_bias: { 1: 500 } }, 'logit_bias', /-100, 100/],
    [{ logit_bias: { 99999999: 1 } }, 'logit_bias', /vocabulary/],
  ];
  for (const [extra, param, message] of cases) {
    await assert.rejects(
      ctx.client.chat.completions.create({ model: ctx.model, messages: [{ role: 'user', content: STORY }], max_tokens: 4, ...extra }),
      (err) => {
        assert.equal(err.status, 400, JSON.stringify(extra));
        assert.equal(err.param, param, JSON.stringify(extra));
        assert.match(err.message, message);
        return true;
      });
  }
});
