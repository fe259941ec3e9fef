// Starts one live `herd serve` for a test file and stops it afterwards.
//   HERD_BIN    the herd binary (required)
//   HERD_MODEL  the GGUF to serve (default ../shared/models/stories260K.gguf from the repo root)
//   HERD_ARGS   extra arguments for `herd serve`, split on spaces (default "--parallel 16")
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const defaultModel = path.resolve(repoRoot, '../shared/models/stories260K.gguf');
const startTimeoutMs = 60_000;

// A port nobody listens on right now (the OS picks; the tiny race is acceptable here).
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class HerdServer {
  constructor(proc, exit, baseUrl, logs) {
    this.proc = proc;
    this.exit = exit;       // resolves to { code, signal } when the process ends
    this.baseUrl = baseUrl; // http://127.0.0.1:PORT
    this.logs = logs;       // stdout + stderr so far, for failure messages
  }

  // `args`: `herd serve` arguments after -m and --port (default: HERD_ARGS). `opts.model`: what
  // -m names (a file or a store name; default HERD_MODEL), `opts.env`: more environment.
  static async start(args = null, opts = {}) {
    const bin = process.env.HERD_BIN;
    if (!bin) throw new Error('set HERD_BIN to the herd binary');
    const model = opts.model || process.env.HERD_MODEL || defaultModel;
    const extra = args ?? (process.env.HERD_ARGS ?? '--parallel 16').split(' ').filter(Boolean);
    const port = await freePort();
    const argv = ['serve', '-m', model, '--port', String(port), ...extra];
    const logs = [];
    const proc = spawn(bin, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...(opts.env ?? {}) } });
    const exit = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
    proc.stdout.on('data', (d) => logs.push(d.toString()));
    proc.stderr.on('data', (d) => logs.push(d.toString()));
    const server = new HerdServer(proc, exit, `http://127.0.0.1:${port}`, logs);
    await server.waitHealthy(`${bin} ${argv.join(' ')}`);
    return server;
  }

  async waitHealthy(commandLine) {
    const deadline = Date.now() + startTimeoutMs;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) {
        throw new Error(`${commandLine} exited with ${this.proc.exitCode}:\n${this.logs.join('')}`);
      }
      try {
        const res = await fetch(`${this.baseUrl}/health`);
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    await this.stop();
    throw new Error(`${commandLine}: /health not 200 within ${startTimeoutMs} ms:\n${this.logs.join('')}`);
  }

  async stop() {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
    await this.exit;
    clearTimeout(timer);
  }
}
