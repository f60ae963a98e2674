import { fork } from 'node:child_process';
import autocannon from 'autocannon';
import express from 'express';
import { createRelyingParty, MemoryChallengeStore, MemoryCredentialStore } from '@tessera/core';
import { SoftwareAuthenticator } from '@tessera/core/testing';
import { passkeyRouter } from '@tessera/adapter-express';
const TOKEN = 'Bearer t';
if (process.argv.includes('--server')) {
  const rp = createRelyingParty({ rpId: 'example.com', rpName: 'E', origins: ['https://example.com'], challengeStore: new MemoryChallengeStore() });
  const credentials = new MemoryCredentialStore();
  const handle = Buffer.from('user-0001').toString('base64url');
  for (const algorithm of ['ES256', 'EdDSA', 'RS256'] as const) {
    const { options } = await rp.startRegistration({ user: { id: handle, name: 'u', displayName: 'U' } });
    await credentials.create((await rp.finishRegistration({ response: await new SoftwareAuthenticator({ algorithm }).register(options, 'https://example.com') })).credential);
  }
  const body = { success: true, data: { challenge: 'x'.repeat(43), rpId: 'example.com', userVerification: 'preferred', timeout: 300000, allowCredentials: [1, 2, 3].map(() => ({ id: 'y'.repeat(43), type: 'public-key', transports: ['internal', 'hybrid'] })) } };
  const app = express();
  app.post('/bare', (_q, r) => void r.set('Cache-Control', 'no-store').json(body));
  app.post('/async', async (_q, r) => { for (let i = 0; i < 6; i++) await Promise.resolve(); r.set('Cache-Control', 'no-store').json(body); });
  app.post('/core', async (_q, r) => {
    const list = await credentials.listByUser(handle);
    const { options } = await rp.startAuthentication({ userId: handle, allowCredentials: list.map(({ id, transports }) => ({ id, transports })) });
    r.set('Cache-Control', 'no-store').json({ success: true, data: options });
  });
  const nested = express.Router(); nested.post('/nested', (_q, r) => void r.set('Cache-Control', 'no-store').json(body));
  app.use(nested);
  app.use(passkeyRouter({ relyingParty: rp, credentials, authenticate: (req) => (req.get('authorization') === TOKEN ? { id: 'user-0001' } : null) }));
  const s = app.listen(0, '127.0.0.1', () => process.send!((s.address() as any).port));
  process.on('disconnect', () => process.exit(0));
} else {
  const child = fork(new URL(import.meta.url), ['--server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((r) => child.once('message', (m) => r(m as number)));
  const paths = ['/bare', '/async', '/nested', '/core', '/mfa/passkey/auth-options'];
  const results: Record<string, number[]> = {};
  for (let round = 0; round < 3; round++) for (const p of paths) {
    const res = await autocannon({ url: `http://127.0.0.1:${port}${p}`, method: 'POST', headers: { authorization: TOKEN }, connections: 10, duration: 2 });
    if (res.non2xx) throw new Error(p);
    (results[p] ??= []).push(Math.round(res['2xx'] / res.duration));
  }
  console.log(results);
  child.disconnect();
}
