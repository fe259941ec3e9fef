// Thinking models: a preset of stories260K with a template that opens "<think>" in its
// generation prompt (as DeepSeek-R1's does) unless enable_thinking is false (as Qwen3's), so
// everything the model writes is reasoning: message.reasoning_content and message.reasoning
// (both names), streamed as deltas of the same fields; reasoning_effort "none" turns it off;
// a grammar that closes the block splits reasoning from the answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';
import { useServer, STORY } from './support/suite.js';
import { collectChat } from './support/streams.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const home = mkdtempSync(path.join(tmpdir(), 'herd-reasoning-'));
after(() => rmSync(home, { recursive: true, force: true }));

// Real line breaks, as templates have them (a "\\n" in template text would print a backslash).
const template = [
  '{%- for m in messages %}<|im_start|>{{ m.role }}\n',
  '{%- if m.reasoning_content is defined and m.reasoning_content %}<think>{{ m.reasoning_content }}</think>{% endif %}',
  '{{ m.content }}<|im_end|>\n{%- endfor %}',
  '{%- if add_generation_prompt %}<|im_start|>assistant\n',
  '{%- if enable_thinking is defined and not enable_thinking %}<think>\n\n</think>\n\n{%- else %}<think>\n{%- endif %}',
  '{%- endif %}',
].join('');

const ctx = useServer(null, () => {
  const model = path.resolve(repoRoot, '../shared/models/stories260K.gguf');
  writeFileSync(path.join(home, 'Herdfile'), `FROM ${model}\nTEMPLATE """${template}"""\n`);
  const made = spawnSync(process.env.HERD_BIN, ['create', 'thinker', '-f', path.join(home, 'Herdfile')],
                         { env: { ...process.env, HERD_HOME: home }, encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`herd create: ${made.stderr}`);
  return { model: 'thinker', env: { HERD_HOME: home } };
});

test('the thinking goes to reasoning_content and reasoning, not content', async () => {
  const res = await ctx.client.chat.completions.create({
    model: ctx.model, messages: [{ role: 'user', content: STORY }], max_tokens: 24, temperature: 0,
  });
  const m = res.choices[0].message;
  assert.ok(m.reasoning_content.length > 0, JSON.stringify(m));
  assert.equal(m.reasoning, m.reasoning_content);
  assert.equal(m.content, '');
  // Streamed: the same text, in deltas of the same two fields.
  const stream = await ctx.client.chat.completions.create({
    model: ctx.model, messages: [{ role: 'user', content: STORY }], max_tokens: 24, temperature: 0, stream: true,
  });
  const { chunks } = await collectChat(stream);
  let reasoning = '';
  let content = '';
  for (const c of chunks) {
    const d = c.choices[0]?.delta ?? {};
    if (d.reasoning_content) {
      assert.equal(d.reasoning, d.reasoning_content);
      reasoning += d.reasoning_content;
    }
    content += d.content ?? '';
  }
  assert.equal(reasoning, m.reasoning_content);
  assert.equal(content, '');
});

test('reasoning_effort none turns thinking off where the template allows it', async () => {
  for (const extra of [{ reasoning_effort: 'none' }, { chat_template_kwargs: { enable_thinking: false } }]) {
    const res = await ctx.client.chat.completions.create({
      model: ctx.model, messages: [{ role: 'user', content: STORY }], max_tokens: 16, temperature: 0, ...extra,
    });
    const m = res.choices[0].message;
    assert.ok(m.content.length > 0, JSON.stringify(m));
    assert.equal(m.reasoning_content, undefined);
  }
});

test('a grammar after an open think block constrains the answer, not the reasoning', async () => {
  // The prompt opened <think>: the grammar lets the model reason, close the block, then answer.
  // The reasoning is free text, so an answer may be cut inside it by max_tokens.
  for (const seed of [1, 2, 3]) {
    const res = await ctx.client.chat.completions.create({
      model: ctx.model, messages: [{ role: 'user', content: STORY }], max_tokens: 120, temperature: 0.8, seed,
      response_format: { type: 'json_schema', json_schema: { name: 'a', schema: { enum: ['yes', 'no'] } } },
    });
    const m = res.choices[0].message;
    if (res.choices[0].finish_reason === 'stop') {
      assert.ok(['"yes"', '"no"'].includes(m.content), JSON.stringify(m));
    } else {
      assert.equal(m.content, '', 'cut inside the reasoning: no answer yet');
      assert.ok(m.reasoning_content.length > 0);
    }
  }
});

test('assistant turns sent back with their reasoning are accepted', async () => {
  for (const field of ['reasoning_content', 'reasoning']) {
    const res = await ctx.client.chat.completions.create({
      model: ctx.model, max_tokens: 4, temperature: 0,
      messages: [{ role: 'user', content: STORY }, { role: 'assistant', content: 'there was', [field]: 'a plan' },
                 { role: 'user', content: 'and then?' }],
    });
    assert.equal(res.choices[0].message.role, 'assistant');
  }
});
