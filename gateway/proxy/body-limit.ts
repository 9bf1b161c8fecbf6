// A request body without Content-Length (chunked) is counted while it streams to the backend;
// past the limit the stream fails with a 413 cause. Bodies with a Content-Length are refused
// before anything is read (server.ts), so this costs nothing for them.
import { Transform, type TransformCallback } from 'node:stream';

export class BodyTooLarge extends Error {
  readonly code = 'GATEHOUSE_BODY_TOO_LARGE';
  constructor(limit: number) {
    super(`request body exceeds ${limit} bytes`);
  }
}

export class BodyLimit extends Transform {
  bytes = 0;
  constructor(private readonly limit: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) done(new BodyTooLarge(this.limit));
    else done(null, chunk);
  }
}
