import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

/** Returns whether the file starts with the gzip magic bytes 1f 8b. */
export async function hasGzipMagic(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/**
 * Decompresses the whole gzip file and discards the output. Returns `undefined`
 * when every member decompresses and its CRC-32 and length trailer match, or
 * zlib's message (for example `unexpected end of file`) when not.
 */
export async function findGzipError(path: string): Promise<string | undefined> {
  const sink = new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });
  try {
    await pipeline(createReadStream(path), createGunzip(), sink);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Computes the SHA-256 digest of a file, as lowercase hex. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
