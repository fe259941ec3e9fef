// A full queue answers 429 with Retry-After instead of waiting without bound.
// One sequence at a time and one waiting: the third concurrent request is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { useServer, STORY } from './support/suite.js';

const ctx = useServer(['--parallel', '1', '--max-queue', '1']);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const longStream = (signal) =>
  ctx.client.completions.create(
    { model: ctx.model, prompt: STORY, max_tokens: 1500, temperature: 0, stream: true, ignore_eos: true },
    { signal },
  );

test('429 with Retry-After when the queue is full', async () => {
  const running = new AbortController();
  const waiting = new AbortController();
  try {
    const first = await longStream(running.signal);
    await first[Symbol.asyncIterator]().next(); // it is decoding now
    const second = longStream(waiting.signal).catch(() => {}); // queued behind it
    await sleep(300);

    let err;
    try {
      // A server that queues without bound would make this wait for both long streams.
      await ctx.client.completions.create({ model: ctx.model, prompt: STORY, max_tokens: 4 }, { timeout: 10_000 });
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof OpenAI.RateLimitError, `expected RateLimitError, got ${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.status, 429);
    const retryAfter = err.headers?.get?.('retry-after');
    assert.ok(Number(retryAfter) > 0, `Retry-After ${retryAfter}`);
    running.abort();
    waiting.abort();
    await second;
  } finally {
    running.abort();
    waiting.abort();
  }
});

test('once the queue has room again, requests succeed', async () => {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const res = await ctx.client.completions.create({ model: ctx.model, prompt: STORY, max_tokens: 4, temperature: 0 });
      assert.equal(res.usage.completion_tokens, 4);
      return;
    } catch (e) {
      if (!(e instanceof OpenAI.RateLimitError) || Date.now() > deadline) throw e;
      await sleep(100);
    }
  }
});
