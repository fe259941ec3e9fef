// The official openai client pointed at a HerdServer, plus the served model's id.
import OpenAI from 'openai';

export function makeClient(server) {
  return new OpenAI({
    baseURL: `${server.baseUrl}/v1`,
    apiKey: 'not-needed', // herd serve without a gateway checks no key
    maxRetries: 0,        // a retry would hide a server error from the test
    timeout: 120_000,
  });
}

// The first model GET /v1/models lists: the name every request uses.
export async function servedModelId(client) {
  const page = await client.models.list();
  if (!page.data.length) throw new Error('GET /v1/models listed no model');
  return page.data[0].id;
}
