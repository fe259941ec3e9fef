// Reads a whole stream from the openai client into the pieces tests compare.

// Chat: text per choice index, finish reasons, the usage chunk, and every chunk.
export async function collectChat(stream) {
  const texts = [];
  const finish = [];
  const chunks = [];
  let usage = null;
  for await (const chunk of stream) {
    chunks.push(chunk);
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices ?? []) {
      texts[choice.index] = (texts[choice.index] ?? '') + (choice.delta?.content ?? '');
      if (choice.finish_reason) finish[choice.index] = choice.finish_reason;
    }
  }
  return { texts, finish, usage, chunks };
}

// Legacy completions: the same shape, reading choice.text.
export async function collectCompletion(stream) {
  const texts = [];
  const finish = [];
  const chunks = [];
  let usage = null;
  for await (const chunk of stream) {
    chunks.push(chunk);
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices ?? []) {
      texts[choice.index] = (texts[choice.index] ?? '') + (choice.text ?? '');
      if (choice.finish_reason) finish[choice.index] = choice.finish_reason;
    }
  }
  return { texts, finish, usage, chunks };
}
