import { describe, expect, it } from 'vitest';
import { base64url } from './base64url.ts';
import { MemoryCredentialStore, type CredentialRecord } from './credentialStore.ts';
import { isTesseraError } from './errors.ts';

const record = (id: number, userId = 'dXNlcg'): CredentialRecord => ({
  id: base64url.encode(new Uint8Array(16).fill(id)),
  userId,
  publicKey: new Uint8Array([0xa5, id]),
  signCount: 0,
  transports: ['internal'],
  backupEligible: true,
  backupState: false,
  aaguid: '00000000-0000-0000-0000-000000000000',
  fmt: 'none',
});

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('MemoryCredentialStore', () => {
  it('finds records by id and by user, oldest first', async () => {
    const store = new MemoryCredentialStore();
    await store.create(record(1));
    await store.create(record(2, 'b3RoZXI'));
    await store.create(record(3));
    expect(await store.get(record(2).id)).toEqual(record(2, 'b3RoZXI'));
    expect((await store.listByUser('dXNlcg')).map(({ id }) => id)).toEqual([record(1).id, record(3).id]);
    expect(await store.get(base64url.encode(new Uint8Array(16)))).toBeUndefined();
    expect(await store.listByUser('bm9ib2R5')).toEqual([]);
  });

  it('registers a credential id at most once (§7.1 step 25)', async () => {
    const store = new MemoryCredentialStore();
    await store.create(record(1));
    expect(isTesseraError(await failure(store.create(record(1, 'b3RoZXI'))), 'credential_already_registered')).toBe(true);
  });

  it('rejects records that fail the schema', async () => {
    const store = new MemoryCredentialStore();
    for (const bad of [{ ...record(1), id: 'not base64!' }, { ...record(1), signCount: -1 }, { ...record(1), aaguid: 'x' }, { ...record(1), publicKey: [1] }]) {
      expect(isTesseraError(await failure(store.create(bad as CredentialRecord)), 'invalid_argument')).toBe(true);
    }
  });

  it('applies sign-in updates, and reports a vanished record', async () => {
    const store = new MemoryCredentialStore();
    await store.create(record(1));
    expect(await store.update(record(1).id, { signCount: 7, backupState: true, backupEligible: true })).toBe(true);
    expect(await store.get(record(1).id)).toMatchObject({ signCount: 7, backupState: true });
    expect(await store.delete(record(1).id)).toBe(true);
    expect(await store.update(record(1).id, { signCount: 8, backupState: true, backupEligible: true })).toBe(false);
    expect(await store.delete(record(1).id)).toBe(false);
    expect(await store.listByUser('dXNlcg')).toEqual([]);
  });

  it('copies records in and out, so callers cannot change stored state', async () => {
    const store = new MemoryCredentialStore();
    const mine = record(1);
    await store.create(mine);
    mine.publicKey[0] = 0;
    mine.transports.push('usb');
    const read = (await store.get(mine.id))!;
    read.publicKey[1] = 0;
    expect(await store.get(mine.id)).toEqual(record(1));
  });

  it('copies a Node Buffer public key too, whose slice() would be a view of the caller\'s bytes', async () => {
    const store = new MemoryCredentialStore();
    const publicKey = Buffer.from([0xa5, 1]);
    await store.create({ ...record(1), publicKey: publicKey as Uint8Array<ArrayBuffer> });
    publicKey[0] = 0;
    const read = (await store.listByUser('dXNlcg'))[0]!;
    expect(read.publicKey).toEqual(new Uint8Array([0xa5, 1]));
    read.publicKey[1] = 0;
    expect((await store.get(record(1).id))!.publicKey).toEqual(new Uint8Array([0xa5, 1]));
  });
});
