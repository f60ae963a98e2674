import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AUTHENTICATOR_TRANSPORTS,
  COSE_ALGORITHMS,
  PUBLIC_KEY_CREDENTIAL_HINTS,
  base64url,
  buildAuthenticationOptions,
  buildRegistrationOptions,
} from '@tessera/core';
import { describe, expect, it } from 'vitest';
import type { AuthenticatorPage } from './chromium.ts';
import { addPasskey, createAccount, open } from './demoPage.ts';
import { useBrowserHarness } from './e2eHarness.ts';

/**
 * The demo in headless Chromium: real pages, Chromium's own WebAuthn client and a CTAP2 virtual
 * authenticator, against the real demo server on loopback. Here: the options the browser parses, and assertions made on a page of another origin.
 */

const { demo, browserPage, onCleanup } = useBrowserHarness();

describe('options the browser parses', () => {
  const allTransports = [...AUTHENTICATOR_TRANSPORTS];
  const allHints = [...PUBLIC_KEY_CREDENTIAL_HINTS];
  const bytes = (fill: number, length = 32) => base64url.encode(new Uint8Array(length).fill(fill));

  /**
   * Parses options in the page with the browser's own method, then writes the result back as JSON (every
   * buffer as base64url), so it can be compared member by member with what the server sent.
   */
  function parsedInPage(page: AuthenticatorPage['page'], kind: 'request' | 'creation', options: unknown): Promise<any> {
    return page.evaluate(
      ({ kind, options }) => {
        const parse = kind === 'request' ? PublicKeyCredential.parseRequestOptionsFromJSON : PublicKeyCredential.parseCreationOptionsFromJSON;
        const encode = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
        const asJSON = (value: unknown): unknown => {
          if (value instanceof ArrayBuffer) return encode(new Uint8Array(value));
          if (ArrayBuffer.isView(value)) return encode(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
          if (Array.isArray(value)) return value.map(asJSON);
          if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, asJSON(member)]));
          return value;
        };
        return asJSON(parse(options as never));
      },
      { kind, options },
    );
  }

  it('takes request options with every transport, hint and extension, and loses nothing (parseRequestOptionsFromJSON)', async () => {
    const server = await demo();
    const { page } = await browserPage();
    await open(page, server.url);
    const everyTransport = { id: bytes(1, 16), transports: allTransports };
    // largeBlob reads, or writes to exactly one credential (WebAuthn L3 §10.1.5): one pass each.
    const passes = [
      { largeBlob: { read: true }, allowCredentials: [everyTransport, { id: bytes(2, 16), transports: ['usb', 'nfc'] as const }, { id: bytes(3, 16) }] },
      { largeBlob: { write: bytes(9, 64) }, allowCredentials: [everyTransport] },
    ];
    for (const { largeBlob, allowCredentials } of passes) {
      const extensions = {
        appid: 'https://localhost/appid.json',
        prf: { eval: { first: bytes(4), second: bytes(5) }, evalByCredential: { [bytes(1, 16)]: { first: bytes(6), second: bytes(7) } } },
        largeBlob,
        getCredBlob: true,
      };
      const options = buildAuthenticationOptions({
        rpId: 'localhost',
        allowCredentials: allowCredentials.map((descriptor) => ({ ...descriptor, transports: 'transports' in descriptor ? [...descriptor.transports] : undefined })),
        userVerification: 'required',
        hints: allHints,
        extensions,
      });
      // What the browser gets holds every transport, hint and extension asked for ...
      expect(options.allowCredentials?.[0]?.transports).toEqual(allTransports);
      expect(options.extensions).toEqual(extensions);
      expect(options.hints).toEqual(allHints);
      // ... and every member of it comes back from the browser's parser with its value (it may add defaults).
      expect(await parsedInPage(page, 'request', options)).toMatchObject(options);
    }
  });

  it('takes creation options with every algorithm, transport, hint and extension, and loses nothing (parseCreationOptionsFromJSON)', async () => {
    const server = await demo();
    const { page } = await browserPage();
    await open(page, server.url);
    const extensions = {
      credProps: true,
      prf: { eval: { first: bytes(9), second: bytes(10) } },
      largeBlob: { support: 'preferred' as const },
      credentialProtectionPolicy: 'userVerificationOptionalWithCredentialIDList' as const,
      enforceCredentialProtectionPolicy: true,
      minPinLength: true,
      credBlob: bytes(11, 16),
    };
    const options = buildRegistrationOptions({
      rpId: 'localhost',
      rpName: 'Tessera demo',
      user: { id: bytes(7, 16), name: 'ada', displayName: 'Ada' },
      algorithms: Object.values(COSE_ALGORITHMS),
      excludeCredentials: [{ id: bytes(8, 16), transports: allTransports }],
      authenticatorSelection: { authenticatorAttachment: 'platform', residentKey: 'required', userVerification: 'required' },
      hints: allHints,
      attestation: 'direct',
      extensions,
    });
    expect(options.pubKeyCredParams).toHaveLength(new Set(Object.values(COSE_ALGORITHMS)).size);
    expect(options.excludeCredentials?.[0]?.transports).toEqual(allTransports);
    expect(options.hints).toEqual(allHints);
    expect(options.extensions).toEqual(extensions);
    expect(await parsedInPage(page, 'creation', options)).toMatchObject(options);
  });
});


describe('a page on another origin', () => {
  /** A page on http://localhost:<another port>: same RP ID, another origin, as a phishing relay would use. */
  async function otherOrigin(): Promise<string> {
    const server = createServer((_req, res) => void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>elsewhere</title>'));
    await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
    onCleanup(() => new Promise((resolve) => server.close(resolve)));
    return `http://localhost:${(server.address() as AddressInfo).port}`;
  }

  async function post(url: string, body: unknown, token?: string) {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
    return { status: response.status, body: await response.json() };
  }

  /** Runs navigator.credentials.get() on `page` with the server's options and returns credential.toJSON(). */
  function assertionOn(page: AuthenticatorPage['page'], options: unknown) {
    return page.evaluate(async (json) => {
      const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(json as never);
      const credential = (await navigator.credentials.get({ publicKey })) as PublicKeyCredential;
      return credential.toJSON();
    }, options);
  }

  it('gets its assertion refused as origin_mismatch by the Express router, and the challenge is spent', async () => {
    const server = await demo();
    const { page } = await browserPage();
    await open(page, server.url);
    await createAccount(page, 'ada');
    await addPasskey(page);

    const { token } = (await post(`${server.url}/demo/sign-in`, { name: 'ada' })).body.data;
    const options = (await post(`${server.url}/mfa/passkey/auth-options`, undefined, token)).body.data;
    await page.goto(await otherOrigin());
    const credential = await assertionOn(page, options);
    expect(JSON.parse(Buffer.from(credential.response.clientDataJSON, 'base64url').toString()).origin).not.toBe(server.url);

    const reply = await post(`${server.url}/mfa/passkey/auth-verify`, { credential }, token);
    expect(reply).toEqual({ status: 400, body: { success: false, error: 'The passkey response comes from an origin this site does not accept.', code: 'origin_mismatch' } });
    expect((await post(`${server.url}/mfa/passkey/auth-verify`, { credential }, token)).body.code).toBe('ticket_not_found');
  });

  it('gets its assertion refused as origin_mismatch (40012) by the GenAuth endpoints', async () => {
    const server = await demo();
    const { page } = await browserPage();
    await open(page, `${server.url}/genauth`);
    await createAccount(page, 'grace');
    await addPasskey(page);

    const { authenticationOptions, ticket } = (await (await fetch(`${server.url}/api/v3/webauthn/authentication`)).json()).data;
    await page.goto(await otherOrigin());
    const authenticationCredential = await assertionOn(page, authenticationOptions);
    const reply = await post(`${server.url}/api/v3/webauthn/authentication`, { ticket, authenticationCredential });
    expect(reply).toMatchObject({ status: 400, body: { statusCode: 400, apiCode: 40012 } });
  });
});

