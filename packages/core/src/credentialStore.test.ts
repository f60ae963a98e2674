import { describe, expect, it } from 'vitest';
import { MemoryCredentialStore } from './credentialStore.ts';
import { isTesseraError } from './errors.ts';
import { credentialStoreConformance, sampleCredentialRecord } from './testing/credentialStoreConformance.ts';

describe('MemoryCredentialStore conformance', () => {
  for (const { name, run } of credentialStoreConformance({ createStore: () => new MemoryCredentialStore() })) it(name, run);
});

describe('MemoryCredentialStore', () => {
  it("copies a Node Buffer public key too, whose slice() would be a view of the caller's bytes", async () => {
    const store = new MemoryCredentialStore();
    const record = sampleCredentialRecord(1);
    const publicKey = Buffer.from(record.publicKey);
    await store.create({ ...record, publicKey: publicKey as Uint8Array<ArrayBuffer> });
    publicKey[0] = 0xff;
    const [read] = await store.listRecordsByUser(record.userId);
    expect(read!.publicKey).toEqual(record.publicKey);
    expect(read!.publicKey).not.toBeInstanceOf(Buffer);
    read!.publicKey[1] = 0xff;
    expect((await store.get(record.id))!.publicKey).toEqual(record.publicKey);
  });

  it('refuses a counter that does not move forward before looking at the store', async () => {
    const store = new MemoryCredentialStore();
    const update = { expectedSignCount: 3, signCount: 3, backupState: false, backupEligible: false, uvInitialized: false, lastUsedAt: 1 };
    await expect(store.updateAfterAuthentication(sampleCredentialRecord(2).id, update)).rejects.toSatisfy((error) => isTesseraError(error, 'sign_count_regression'));
  });
});
