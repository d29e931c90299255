import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** This checkout's own ports for test servers (see tests/README.md). */
const PORTS = Array.from({ length: 18 }, (_, k) => 5802 + k);

export interface ServedFile {
  body: Uint8Array;
  /** The first `cuts` requests send the full Content-Length but only half of the bytes asked for, then close. */
  cuts?: number;
  /** Answer Range requests with 206 (default) or ignore them and send everything (200). */
  ranges?: boolean;
  /** Send half of the bytes, then nothing more, keeping the connection open. */
  stall?: boolean;
}

export interface ModelServer {
  url(path: string): string;
  /** Every request's path and headers, in order. */
  requests: { path: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

function listen(server: Server, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
}

/** A local HTTP server for the installer's tests: files by path (with cuts and ranges as asked), 404 otherwise. */
export async function startModelServer(files: Record<string, ServedFile>): Promise<ModelServer> {
  const requests: ModelServer['requests'] = [];
  const cutsSoFar = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    requests.push({ path, headers: req.headers });
    if (path.startsWith('/redirect/')) {
      res.writeHead(302, { Location: path.slice('/redirect'.length) }).end();
      return;
    }
    const file = files[path];
    if (!file) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    const size = file.body.length;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const from = range && file.ranges !== false ? Number(range[1]) : 0;
    if (from >= size && from > 0) {
      res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
      return;
    }
    const headers: Record<string, string | number> = { 'Content-Type': 'application/octet-stream', 'Content-Length': size - from, 'Accept-Ranges': 'bytes' };
    if (from > 0) headers['Content-Range'] = `bytes ${from}-${size - 1}/${size}`;
    res.writeHead(from > 0 ? 206 : 200, headers);
    if (file.stall) {
      res.write(file.body.subarray(from, from + Math.floor((size - from) / 2)));
      return;
    }
    const cuts = cutsSoFar.get(path) ?? 0;
    if (cuts < (file.cuts ?? 0)) {
      cutsSoFar.set(path, cuts + 1);
      const half = from + Math.floor((size - from) / 2);
      res.write(file.body.subarray(from, half), () => res.destroy());
      return;
    }
    res.end(file.body.subarray(from));
  });
  for (const port of PORTS) {
    if (await listen(server, port)) {
      const { port: bound } = server.address() as AddressInfo;
      return {
        url: (path) => `http://127.0.0.1:${bound}${path}`,
        requests,
        close: () =>
          new Promise((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      };
    }
  }
  throw new Error(`No free port in ${PORTS[0]}-${PORTS.at(-1)} for the test server.`);
}

/** An address in this checkout's port range where nothing listens (connection refused: "offline"). */
export async function closedPortUrl(path: string): Promise<string> {
  const probe = createServer();
  for (const port of PORTS) {
    if (await listen(probe, port)) {
      await new Promise<void>((resolve) => probe.close(() => resolve()));
      return `http://127.0.0.1:${port}${path}`;
    }
  }
  throw new Error('No free port for the closed-port address.');
}
