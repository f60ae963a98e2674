/**
 * Names of the authenticator models the demo meets, by AAGUID (WebAuthn L3 §6.5.1), for the relying party's
 * `describeAuthenticator` hook: what a passkey list shows next to each passkey ("Google Password Manager")
 * when the person has not named it. A real deployment asks the FIDO Metadata Service (`@tessera/metadata`)
 * and, for the passkey providers that publish no metadata statement, a list such as the community's
 * passkey-authenticator-aaguids; the demo runs offline, so it ships the few it expects.
 */

/** The AAGUID Chromium's virtual CTAP2 authenticator reports (device/fido/virtual_ctap2_device.cc, kDeviceAaguid). */
export const CHROMIUM_VIRTUAL_AAGUID = '01020304-0506-0708-0102-030405060708';

/** Lower-case AAGUID → the name people know the authenticator by. */
export const DEMO_AUTHENTICATOR_NAMES: Readonly<Record<string, string>> = Object.freeze({
  [CHROMIUM_VIRTUAL_AAGUID]: 'Chromium virtual authenticator',
  'fbfc3007-154e-4ecc-8c0b-6e020557d7bd': 'iCloud Keychain',
  'dd4ec289-e01d-41c9-bb89-70fa845d4bf2': 'iCloud Keychain (managed)',
  'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4': 'Google Password Manager',
  'adce0002-35bc-c60a-648b-0b25f1f05503': 'Chrome on Mac',
  '08987058-cadc-4b81-b6e1-30de50dcbe96': 'Windows Hello',
  '9ddd1817-af5a-4672-a2b9-3e3dd95000a9': 'Windows Hello',
  '6028b017-b1d4-4c02-b4b3-afcdafc96bb2': 'Windows Hello',
  'bada5566-a7aa-401f-bd96-45619a55120d': '1Password',
  'd548826e-79b4-db40-a3d8-11116f7e8349': 'Bitwarden',
});

/**
 * The demo's `describeAuthenticator`: the name of a known AAGUID, `undefined` for any other (the list then
 * shows the person's own label, or "Passkey").
 *
 * @param aaguid - lower-case 8-4-4-4-12, as `CredentialRecord.aaguid` holds it
 * @returns `{ name }`, or `undefined`
 */
export function describeDemoAuthenticator(aaguid: string): { name: string } | undefined {
  const name = Object.hasOwn(DEMO_AUTHENTICATOR_NAMES, aaguid) ? DEMO_AUTHENTICATOR_NAMES[aaguid] : undefined;
  return name === undefined ? undefined : { name };
}
