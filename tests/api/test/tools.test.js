// Tool calling through the official client: tool_choice "required", a named function, "none"
// and parallel_tool_calls enforced on stories260K (a model that has never seen a tool: only
// the grammar makes it call one), arguments that validate against each function's zod schema,
// streamed tool-call deltas assembled by the client's own stream helper, and runTools'
// round trip (assistant tool_calls and tool results sent back through the chat template).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { zodFunction } from 'openai/helpers/zod';
import { useServer, STORY } from './support/suite.js';

const ctx = useServer();

const Weather = z.object({ city: z.string().max(10), days: z.number().int().min(1).max(7) });
const Search = z.object({ query: z.string().max(12), exact: z.boolean() });
const tools = [
  zodFunction({ name: 'get_weather', parameters: Weather }),
  zodFunction({ name: 'search_web', parameters: Search }),
];
const schemas = { get_weather: Weather, search_web: Search };

function checkCalls(message) {
  assert.ok(Array.isArray(message.tool_calls) && message.tool_calls.length > 0, JSON.stringify(message));
  for (const call of message.tool_calls) {
    assert.equal(call.type, 'function');
    assert.match(call.id, /^call_[A-Za-z0-9]{24}$/);
    assert.ok(call.function.name in schemas, call.function.name);
    schemas[call.function.name].parse(JSON.parse(call.function.arguments));
  }
}

test('tool_choice required: every answer is a valid call', async () => {
  for (const [temperature, seed] of [[0, 1], [0.9, 2], [1.4, 3]]) {
    const res = await ctx.client.chat.completions.create({
      model: ctx.model, messages: [{ role: 'user', content: STORY }], tools, tool_choice: 'required',
      parallel_tool_calls: false, max_tokens: 300, temperature, seed,
    });
    const choice = res.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls', JSON.stringify(choice));
    checkCalls(choice.message);
    assert.equal(choice.message.tool_calls.length, 1);
  }
  // Parallel calls: a model may keep calling until max_tokens; an answer that ended is all calls,
  // one cut short is still the forced shape (stories260K's template has no tool format of its
  // own, so calls come in the generic {"tool_calls": [...]} object).
  for (const seed of [9, 10, 12]) {
    const res = await ctx.client.chat.completions.create({
      model: ctx.model, messages: [{ role: 'user', content: STORY }], tools, tool_choice: 'required',
      max_tokens: 300, temperature: 1.0, seed,
    });
    const choice = res.choices[0];
    if (choice.finish_reason === 'tool_calls') {
      checkCalls(choice.message);
    } else {
      assert.equal(choice.finish_reason, 'length');
      assert.ok(choice.message.content.startsWith('{"tool_calls": [{"name": "'), choice.message.content);
    }
  }
});

test('a named function is the one called, once without parallel_tool_calls', async () => {
  for (const seed of [4, 5, 6]) {
    const res = await ctx.client.chat.completions.create({
      model: ctx.model, messages: [{ role: 'user', content: STORY }], tools,
      tool_choice: { type: 'function', function: { name: 'search_web' } }, parallel_tool_calls: false,
      max_tokens: 300, temperature: 1.0, seed,
    });
    const message = res.choices[0].message;
    checkCalls(message);
    assert.equal(message.tool_calls.length, 1);
    assert.equal(message.tool_calls[0].function.name, 'search_web');
  }
});

test('tool_choice none: no tool calls', async () => {
  const res = await ctx.client.chat.completions.create({
    model: ctx.model, messages: [{ role: 'user', content: STORY }], tools, tool_choice: 'none',
    max_tokens: 24, temperature: 0,
  });
  assert.equal(res.choices[0].message.tool_calls, undefined);
  assert.ok(['stop', 'length'].includes(res.choices[0].finish_reason));
});

test('streamed tool calls: name first, then argument chunks, assembled by the client', async () => {
  const stream = ctx.client.chat.completions.stream({
    model: ctx.model, messages: [{ role: 'user', content: STORY }], tools, tool_choice: 'required',
    parallel_tool_calls: false, max_tokens: 300, temperature: 0.8, seed: 11,
  });
  let sawName = false;
  let argumentChunks = 0;
  stream.on('chunk', (chunk) => {
    for (const call of chunk.choices[0]?.delta?.tool_calls ?? []) {
      if (call.function?.name) sawName = true;
      if (call.function?.arguments) {
        assert.ok(sawName, 'arguments before the name');
        argumentChunks += 1;
      }
    }
  });
  const final = await stream.finalChatCompletion();
  assert.ok(sawName);
  assert.ok(argumentChunks >= 1);
  assert.equal(final.choices[0].finish_reason, 'tool_calls');
  checkCalls(final.choices[0].message);
  // The same request without streaming gives the same calls (greedy would too; seeded here).
  const whole = await ctx.client.chat.completions.create({
    model: ctx.model, messages: [{ role: 'user', content: STORY }], tools, tool_choice: 'required',
    parallel_tool_calls: false, max_tokens: 300, temperature: 0.8, seed: 11,
  });
  assert.deepEqual(final.choices[0].message.tool_calls.map((c) => [c.function.name, c.function.arguments]),
                   whole.choices[0].message.tool_calls.map((c) => [c.function.name, c.function.arguments]));
});

test('runTools: calls go to the functions and the results come back through the template', async () => {
  const seen = [];
  const runner = ctx.client.chat.completions.runTools({
    model: ctx.model, messages: [{ role: 'user', content: STORY }], tool_choice: 'required', max_tokens: 300,
    parallel_tool_calls: false, temperature: 0.7, seed: 21,
    tools: [{
      type: 'function',
      function: {
        name: 'get_weather',
        parameters: tools[0].function.parameters,  // the JSON schema zodFunction made
        function: async (args) => { seen.push(args); return { temperature: 21, sky: 'clear' }; },
        parse: (text) => Weather.parse(JSON.parse(text)),
      },
    }],
  }, { maxChatCompletions: 2 });
  await runner.done().catch(() => {});  // it stops after two completions, both tool calls
  assert.ok(seen.length >= 1, 'the function ran');
  for (const args of seen) Weather.parse(args);
  const messages = runner.messages;
  assert.ok(messages.some((m) => m.role === 'tool'), 'a tool result was sent back');
});

test('bad tools are a 400 naming the field', async () => {
  const cases = [
    [{ tools: [{ type: 'function', function: { name: 'a b' } }] }, 'tools[0].function.name'],
    [{ tools, tool_choice: { type: 'function', function: { name: 'nope' } } }, 'tool_choice'],
    [{ tool_choice: 'required' }, 'tool_choice'],
  ];
  for (const [extra, param] of cases) {
    await assert.rejects(
      ctx.client.chat.completions.create({ model: ctx.model, messages: [{ role: 'user', content: STORY }], max_tokens: 4, ...extra }),
      (err) => { assert.equal(err.status, 400); assert.equal(err.param, param); return true; });
  }
});
