// Per-file setup: one server for the file's tests, started before and stopped after.
import { before, after } from 'node:test';
import { HerdServer } from './server.js';
import { makeClient, servedModelId } from './client.js';

// Returns an object filled in by `before`: { server, client, model }. `args` replaces
// the default `herd serve` arguments (HERD_ARGS).
export function useServer(args = null, opts = {}) {
  const ctx = { server: null, client: null, model: null };
  before(async () => {
    ctx.server = await HerdServer.start(args, typeof opts === 'function' ? await opts() : opts);
    ctx.client = makeClient(ctx.server);
    ctx.model = await servedModelId(ctx.client);
  });
  after(async () => {
    if (ctx.server) await ctx.server.stop();
  });
  return ctx;
}

export const STORY = 'Once upon a time';
