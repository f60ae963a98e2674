import { beforeAll, describe, expect, it } from 'vitest';
import type { TesseraError } from '@tessera/core';
import { NOW, createAuthenticatorModel, createBlobPki, entry, payload, signBlob, type BlobPki } from '../test/blobBuilder.ts';
import { codeOf } from '../test/outcome.ts';
import { MetadataService, type MetadataServiceOptions } from './metadataService.ts';

const AAGUID = 'ee882879-721c-4913-9775-3dfcce97072a';
const DAY = 24 * 60 * 60 * 1000;

let pki: BlobPki;
let blob42: string;
let blob43: string;
let blob41: string;

beforeAll(async () => {
  pki = await createBlobPki();
  blob41 = await signBlob(pki, payload([entry(AAGUID, [pki.root.der])], 41, '2026-06-15'));
  blob42 = await signBlob(pki, payload([entry(AAGUID, [pki.root.der])], 42, '2026-07-01'));
  blob43 = await signBlob(pki, payload([entry(AAGUID, [pki.root.der], [{ status: 'REVOKED', effectiveDate: '2026-07-01' }])], 43, '2026-08-01'));
});

/** A fetch serving `bodies` in turn (an Error is thrown, a number is an HTTP status), recording each call. */
function fakeFetch(bodies: (string | Error | number)[]) {
  const calls: string[] = [];
  const fetch = (async (url: string | URL | Request) => {
    calls.push(String(url));
    const next = bodies.length > 1 ? bodies.shift() : bodies[0];
    if (next instanceof Error) throw next;
    if (typeof next === 'number') return new Response('nope', { status: next });
    return new Response(next ?? '', { status: 200, headers: { 'content-type': 'application/jwt' } });
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

function service(source: MetadataServiceOptions['source'], clock: { now: number }, options: Partial<MetadataServiceOptions> = {}) {
  return new MetadataService({ source, trustAnchor: pki.root.der, now: () => clock.now, retryAfterMs: 60_000, ...options });
}

describe('MetadataService: loading and refreshing (FIDO MDS3 §3.2)', () => {
  it('loads from an injected fetch, and answers from memory until nextUpdate', async () => {
    const clock = { now: NOW };
    const { fetch, calls } = fakeFetch([blob42]);
    const metadata = service({ url: 'https://mds3.example/', fetch }, clock);
    expect(metadata.current).toBeUndefined();
    expect((await metadata.load()).no).toBe(42);
    clock.now += 10 * DAY;
    await metadata.load();
    expect(calls).toEqual(['https://mds3.example/']);
    expect(metadata.findEntry(AAGUID.toUpperCase())?.statusReports[0]?.status).toBe('FIDO_CERTIFIED_L1');
  });

  it('refreshes lazily once nextUpdate has passed, and takes a BLOB with a greater no', async () => {
    const clock = { now: NOW };
    const { fetch, calls } = fakeFetch([blob42, blob43]);
    const metadata = service({ url: 'https://mds3.example/', fetch }, clock);
    await metadata.load();
    clock.now = Date.parse('2026-07-01T00:00:00Z');
    expect((await metadata.load()).no).toBe(43);
    expect(calls).toHaveLength(2);
  });

  it('keeps the last good BLOB when a refresh fails, reports it, and waits retryAfterMs before trying again', async () => {
    const clock = { now: NOW };
    const { fetch, calls } = fakeFetch([blob42, new Error('offline'), 503, 'garbage', blob43]);
    const errors: string[] = [];
    const metadata = service({ url: 'https://mds3.example/', fetch }, clock, { onRefreshError: (error: TesseraError) => errors.push(error.code) });
    await metadata.load();
    clock.now = Date.parse('2026-07-02T00:00:00Z');
    for (const expected of ['metadata_unavailable', 'metadata_unavailable', 'invalid_metadata']) {
      expect((await metadata.load()).no).toBe(42);
      expect((await metadata.load()).no).toBe(42); // within retryAfterMs: no new attempt
      clock.now += 60_000;
      expect(errors.at(-1)).toBe(expected);
    }
    expect(calls).toHaveLength(4);
    expect((await metadata.load()).no).toBe(43);
  });

  it('refuses a rollback: a refresh bringing an older or equal no keeps the current BLOB', async () => {
    const clock = { now: NOW };
    const { fetch } = fakeFetch([blob42, blob41, blob42]);
    const errors: string[] = [];
    const metadata = service({ url: 'https://mds3.example/', fetch }, clock, { onRefreshError: (error: TesseraError) => errors.push(error.code) });
    await metadata.load();
    clock.now = Date.parse('2026-07-02T00:00:00Z');
    expect((await metadata.load()).no).toBe(42);
    clock.now += 60_000;
    expect((await metadata.load()).no).toBe(42);
    expect(errors).toEqual(['metadata_replayed', 'metadata_replayed']);
    // previousNumber carries rollback protection across restarts.
    expect(await codeOf(service({ blob: blob41 }, { now: NOW }, { previousNumber: 41 }).load())).toBe('metadata_replayed');
  });

  it('throws metadata_unavailable only while no BLOB was ever loaded, without hammering the source', async () => {
    const clock = { now: NOW };
    const { fetch, calls } = fakeFetch([new Error('offline'), blob42]);
    const metadata = service({ url: 'https://mds3.example/', fetch }, clock);
    expect(await codeOf(metadata.load())).toBe('metadata_unavailable');
    expect(await codeOf(metadata.load())).toBe('metadata_unavailable');
    expect(calls).toHaveLength(1);
    clock.now += 60_000;
    expect((await metadata.load()).no).toBe(42);
    expect(await codeOf(service({ blob: 'x.y.z' }, clock).load())).toBe('invalid_metadata');
  });

  it('shares one attempt between concurrent callers, and never loops on a BLOB already past its nextUpdate', async () => {
    const clock = { now: Date.parse('2026-09-01T00:00:00Z') };
    const { fetch, calls } = fakeFetch([blob42]);
    const metadata = service({ url: 'https://mds3.example/', fetch }, clock);
    await Promise.all([metadata.load(), metadata.load(), metadata.load()]);
    for (let index = 0; index < 10; index++) await metadata.load();
    expect(calls).toHaveLength(1);
  });

  it('loads from a reader of your own (a file), and from bytes in hand', async () => {
    const clock = { now: NOW };
    let reads = 0;
    const fromReader = service({ read: async () => (reads++, new TextEncoder().encode(blob42)) }, clock);
    expect((await fromReader.load()).no).toBe(42);
    expect(reads).toBe(1);
    expect(await codeOf(service({ read: () => Promise.reject(new Error('ENOENT')) }, clock).load())).toBe('metadata_unavailable');
    expect((await service({ blob: blob42 }, clock).load()).no).toBe(42);
  });

  it('refuses an oversized download without reading all of it', async () => {
    const clock = { now: NOW };
    const { fetch } = fakeFetch([blob42]);
    expect(await codeOf(service({ url: 'https://mds3.example/', fetch }, clock, { maxBytes: 1000 }).load())).toBe('invalid_metadata');
  });

  it('refuses bad options', () => {
    const bad = [{}, { source: { blob: blob42 }, retryAfterMs: 0 }, { source: { blob: blob42 }, unknownAuthenticators: 'maybe' }];
    for (const options of bad) {
      expect(() => new MetadataService(options as MetadataServiceOptions)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    }
  });
});

describe('MetadataService.trustAttestation across a refresh', () => {
  it('refuses a model the refreshed BLOB revokes, where the BLOB before trusted it', async () => {
    const model = await createAuthenticatorModel('0bb43545-fd2c-4185-87dd-feb0b2916ace');
    const before = await signBlob(pki, payload([entry(model.aaguid, [model.root.der])], 50, '2026-07-01'));
    const after = await signBlob(pki, payload([entry(model.aaguid, [model.root.der], [{ status: 'FIDO_CERTIFIED_L1', effectiveDate: '2024-01-01' }, { status: 'ATTESTATION_KEY_COMPROMISE', effectiveDate: '2026-06-20' }])], 51, '2026-08-01'));
    const clock = { now: NOW };
    const { fetch } = fakeFetch([before, after]);
    const metadata = service({ url: 'https://mds3.example/', fetch }, clock);
    const attestation = { fmt: 'packed', type: 'Basic', trustPath: [model.leaf.der], aaguid: model.aaguid };
    expect(await metadata.trustAttestation(attestation)).toBe(true);
    clock.now = Date.parse('2026-07-01T12:00:00Z');
    expect(await codeOf(metadata.trustAttestation(attestation))).toBe('authenticator_revoked');
  });
});

describe('MetadataService.describeAuthenticator', () => {
  it('names a model from the metadata, your names taking precedence, and knows nothing of the rest', async () => {
    const metadata = service({ blob: blob42 }, { now: NOW }, {
      names: { 'EA9B8D66-4D01-1D21-3CE4-B6B48CB575D4': { name: 'Google Password Manager', icon_light: 'data:image/svg+xml;base64,AA==' } },
    });
    expect(metadata.describeAuthenticator(AAGUID)).toBeUndefined(); // nothing loaded yet: it never fetches
    await metadata.load();
    expect(metadata.describeAuthenticator(AAGUID)).toEqual({ name: 'Test Key ee882879', icon: expect.stringMatching(/^data:image\/png;base64,/) });
    expect(metadata.describeAuthenticator('ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4')).toEqual({ name: 'Google Password Manager', icon: 'data:image/svg+xml;base64,AA==' });
    expect(metadata.describeAuthenticator('00000000-0000-0000-0000-000000000000')).toBeUndefined();
    const renamed = service({ blob: blob42 }, { now: NOW }, { names: new Map([[AAGUID, 'Corporate key']]) });
    await renamed.load();
    expect(renamed.describeAuthenticator(AAGUID)).toEqual({ name: 'Corporate key' });
  });
});
