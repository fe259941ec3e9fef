// Batch invariance: 16 greedy (or seeded) streams run at once give exactly the tokens
// the same requests give when run one at a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from './support/suite.js';
import { collectCompletion } from './support/streams.js';

const ctx = useServer();
const STREAMS = 16;
const NAMES = ['Lily', 'Tom', 'Sue', 'Max', 'Ben', 'Mia', 'Sam', 'Anna'];

// Sixteen different prompts of different lengths, so the batch mixes prefill and decode.
function prompts() {
  return Array.from({ length: STREAMS }, (_, i) => {
    const name = NAMES[i % NAMES.length];
    const tail = i >= NAMES.length ? ' She liked to play in the park with her big red ball.' : '';
    return `Once upon a time, there was a little girl named ${name}.${tail}`;
  });
}

async function run(prompt, sampling) {
  const stream = await ctx.client.completions.create({
    model: ctx.model, prompt, max_tokens: 48, stream: true, ...sampling,
  });
  const { texts, finish } = await collectCompletion(stream);
  return `${finish[0]}|${texts[0]}`;
}

async function compareAloneAndTogether(sampling) {
  const all = prompts();
  const alone = [];
  for (const p of all) alone.push(await run(p, sampling));
  const together = await Promise.all(all.map((p) => run(p, sampling)));
  for (let i = 0; i < STREAMS; i++) {
    assert.equal(together[i], alone[i], `stream ${i} differs when batched`);
  }
}

test('16 concurrent greedy streams equal the sequential runs', async () => {
  await compareAloneAndTogether({ temperature: 0 });
});

test('16 concurrent seeded sampled streams equal the sequential runs', async () => {
  await compareAloneAndTogether({ temperature: 0.8, seed: 42 });
});

test('a cached prefix changes nothing: a long prompt sent twice, sampled with a seed', async () => {
  // Long enough to fill several KV blocks, so the second request reuses cached ones.
  const prompt = prompts().join(' ');
  const body = { model: ctx.model, prompt, max_tokens: 32, temperature: 0.8, seed: 5 };
  const miss = await ctx.client.completions.create(body);
  const hit = await ctx.client.completions.create(body);
  const cached = hit.usage.prompt_tokens_details?.cached_tokens ?? 0;
  assert.ok(cached > 0, `the second request should reuse cached prompt blocks (cached_tokens ${cached})`);
  assert.equal(hit.choices[0].text, miss.choices[0].text);
  assert.equal(hit.usage.prompt_tokens, miss.usage.prompt_tokens);
});
