/**
 * A small static server for the demo (node:http only). Every response carries the
 * cross-origin-isolation headers (COOP same-origin, COEP require-corp), which a page needs for
 * SharedArrayBuffer and so for WebAssembly threads.
 *
 *   npm run demo                 # builds demo/dist/ and serves it on http://localhost:8080/
 *   PORT=9000 npm run demo
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDemo, DEFAULT_OUT_DIR, describeBuild } from './build.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
};

/** The headers every response gets: cross-origin isolation, and no caching of a rebuilt page. */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

export interface DemoServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** Serves the files under `root` on host:port (port 0: an ephemeral port). */
export function serveStatic(root: string, { host = '127.0.0.1', port = 0 } = {}): Promise<DemoServer> {
  const base = normalize(root + sep);
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const file = normalize(join(base, path.endsWith('/') ? `${path}index.html` : path));
    if (!file.startsWith(base) || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, ISOLATION_HEADERS).end('not found');
      return;
    }
    readFile(file).then(
      (body) => response.writeHead(200, { ...ISOLATION_HEADERS, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body),
      () => response.writeHead(404, ISOLATION_HEADERS).end('not found'),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      resolve({
        url: `http://${host === '0.0.0.0' ? 'localhost' : host}:${address.port}/`,
        server,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const report = await buildDemo(DEFAULT_OUT_DIR);
  console.log(`built ${report.outDir}\n${describeBuild(report)}`);
  const port = Number(process.env.PORT ?? 8080);
  const demo = await serveStatic(DEFAULT_OUT_DIR, { host: process.env.HOST ?? 'localhost', port });
  console.log(`varl demo: ${demo.url}  (Ctrl-C to stop)`);
}
