// Bytes from wherever a host keeps them: any view or buffer from any realm (a Node Buffer from
// the shared pool, a DataView with an offset, a SharedArrayBuffer), a Blob or a Response, a URL,
// or (in Node, Deno and Bun) a file path. Every failure is a typed error that says what it got.
import { BranchyInputError } from '../errors.js';
import type { BodyLike, UrlLike } from './host-types.js';

type ErrorClass = new (message: string) => Error;

/** `[object X]`: what a value is, whatever realm made it (instanceof sees only this realm's classes). */
export const tagOf = (x: unknown): string => Object.prototype.toString.call(x);

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Exactly these bytes as a Uint8Array of this realm, or null when `x` holds no bytes. Nothing is
 * copied, except bytes in a SharedArrayBuffer (another thread could change them while they are read).
 */
export function asBytes(x: unknown): Uint8Array | null {
  const t = tagOf(x);
  let view: Uint8Array;
  try {
    if (ArrayBuffer.isView(x)) view = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    else if (t === '[object ArrayBuffer]' || t === '[object SharedArrayBuffer]') view = new Uint8Array(x as ArrayBuffer);
    else return null;
  } catch (e) {
    throw new BranchyInputError(`the ${t.slice(8, -1)}'s buffer cannot be read (${message(e)}): was it transferred to a worker? Pass a copy`);
  }
  return tagOf(view.buffer) === '[object SharedArrayBuffer]' ? view.slice() : view;
}

/** A Blob, File or Response (anything whose bytes `arrayBuffer()` reads), but not bytes themselves. */
export function isBody(x: unknown): x is BodyLike {
  return typeof x === 'object' && x !== null && typeof (x as BodyLike).arrayBuffer === 'function' && !ArrayBuffer.isView(x);
}

/** A URL object from any realm. */
export function isUrl(x: unknown): x is UrlLike {
  return typeof x === 'object' && x !== null && tagOf(x) === '[object URL]' && typeof (x as UrlLike).href === 'string';
}

/** The bytes of a Blob or Response; a Response that is not ok is refused with its status. */
export async function readBody(body: BodyLike, Err: ErrorClass, what: string): Promise<Uint8Array> {
  const r = body as { ok?: unknown; status?: unknown; url?: unknown };
  if (r.ok === false) throw new Err(`${what}: fetching ${typeof r.url === 'string' && r.url ? r.url : 'it'} failed: HTTP ${String(r.status)}`);
  try {
    return new Uint8Array(await body.arrayBuffer());
  } catch (e) {
    throw new Err(`${what}: cannot read the ${tagOf(body).slice(8, -1)}'s body (${message(e)}; a Response's body can be read once)`);
  }
}

const SCHEME = /^[a-z][a-z0-9+.-]+:/i; // two letters at least: `C:\models` is a Windows path

/**
 * Where a string points: a URL when it has a scheme; otherwise a file path, resolved against the
 * working directory where the runtime has one (Node, Deno, Bun); otherwise (a browser, a worker)
 * the string itself, which fetch resolves against the page.
 */
export function locate(s: string): string {
  if (SCHEME.test(s)) return s;
  const g = globalThis as { process?: { cwd?: () => string }; Deno?: { cwd?: () => string } };
  const cwd = g.process?.cwd?.() ?? g.Deno?.cwd?.();
  if (cwd === undefined) return s;
  const abs = s.startsWith('/') || /^[a-z]:[\\/]/i.test(s) ? s : `${cwd.replace(/[\\/]$/, '')}/${s}`;
  const posix = abs.replace(/\\/g, '/');
  return `file://${posix.startsWith('/') ? '' : '/'}${encodeURI(posix).replace(/[?#]/g, encodeURIComponent)}`;
}

const filePath = (href: string): string => {
  try {
    return decodeURI(href.replace(/^file:\/\//, ''));
  } catch {
    return href;
  }
};

/** The bytes at a URL (an href): the file system for file: URLs (Node, Deno, Bun), fetch for the rest. */
export async function readLocation(href: string, Err: ErrorClass, what: string): Promise<Uint8Array> {
  if (href.startsWith('file:')) {
    const fsName = 'node:fs/promises';
    let fs: typeof import('node:fs/promises');
    try {
      fs = (await import(/* @vite-ignore */ fsName)) as typeof fs;
    } catch {
      throw new Err(`${what}: ${href} is a file, and this runtime has no file system; pass the bytes instead`);
    }
    try {
      return asBytes(await fs.readFile(new URL(href)))!;
    } catch (e) {
      throw new Err(`${what}: cannot read ${filePath(href)}: ${message(e)}`);
    }
  }
  if (typeof fetch !== 'function') throw new Err(`${what}: this runtime has no fetch() to get ${href}; pass the bytes instead`);
  let res: Response;
  try {
    res = await fetch(href);
  } catch (e) {
    throw new Err(`${what}: fetching ${href} failed: ${message(e)}`);
  }
  return readBody(res, Err, what);
}
