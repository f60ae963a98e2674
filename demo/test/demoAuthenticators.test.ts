import { describe, expect, it } from 'vitest';
import { CHROMIUM_VIRTUAL_AAGUID, DEMO_AUTHENTICATOR_NAMES, describeDemoAuthenticator } from '../src/demoAuthenticators.ts';

describe('describeDemoAuthenticator', () => {
  it('names the AAGUIDs it ships, Chromium’s virtual authenticator among them', () => {
    expect(describeDemoAuthenticator(CHROMIUM_VIRTUAL_AAGUID)).toEqual({ name: 'Chromium virtual authenticator' });
    expect(describeDemoAuthenticator('ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4')).toEqual({ name: 'Google Password Manager' });
    for (const aaguid of Object.keys(DEMO_AUTHENTICATOR_NAMES)) expect(aaguid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('knows nothing else, not even the names of Object.prototype’s members', () => {
    for (const aaguid of ['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '__proto__', 'constructor', 'toString']) {
      expect(describeDemoAuthenticator(aaguid)).toBeUndefined();
    }
  });
});
