import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A local HTTP server on a free port of 127.0.0.1, counting requests per path; for faulty-network tests. */
export class TestServer {
  readonly requests = new Map<string, number>();
  /** Requests whose connection closed before the response ended. */
  readonly aborted = new Map<string, number>();
  private server: Server | null = null;
  private readonly routes = new Map<string, Handler>();
  private readonly sockets = new Set<import('node:net').Socket>();
  port = 0;

  route(path: string, handler: Handler): this {
    this.routes.set(path, handler);
    return this;
  }

  url(path: string): URL {
    return new URL(path, `http://127.0.0.1:${this.port}/`);
  }

  count(path: string): number {
    return this.requests.get(path) ?? 0;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const path = new URL(req.url!, 'http://x').pathname;
      // No keep-alive: a connection a test cut must not be reused by the next request.
      res.setHeader('connection', 'close');
      // Readable from a cross-origin isolated page of another origin (the browser tests).
      res.setHeader('access-control-allow-origin', '*');
      res.setHeader('cross-origin-resource-policy', 'cross-origin');
      this.requests.set(path, this.count(path) + 1);
      res.on('close', () => {
        if (!res.writableFinished) this.aborted.set(path, (this.aborted.get(path) ?? 0) + 1);
      });
      const handler = this.routes.get(path);
      if (!handler) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      handler(req, res);
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

/** Sends `body` in `parts` chunks, `gapMs` apart, with a Content-Length. */
export const chunked =
  (body: Uint8Array, parts = 4, gapMs = 20, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length), ...headers });
    const size = Math.ceil(body.length / parts);
    let offset = 0;
    const next = () => {
      if (res.destroyed) return;
      if (offset >= body.length) {
        res.end();
        return;
      }
      res.write(body.subarray(offset, offset + size));
      offset += size;
      setTimeout(next, gapMs);
    };
    next();
  };

/** Sends the first `sent` bytes of a `length`-byte response, then holds the connection open without a word. */
export const stalling =
  (body: Uint8Array, sent: number): Handler =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) });
    res.write(body.subarray(0, sent));
  };
