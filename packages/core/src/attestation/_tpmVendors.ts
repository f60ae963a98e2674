/*
 * TPM manufacturers a `tpm` attestation certificate may name (WebAuthn L3 §8.3.1, TCG EK Credential Profile
 * §3.2.9: tcg-at-tpmManufacturer holds "id:" and the manufacturer's TPM_PT_MANUFACTURER value in hexadecimal).
 *
 * Source: TCG "TPM Vendor ID Registry", Family 1.2 and 2.0 (Version 1.08), the TPM Capabilities Vendor ID table
 * (TPM_PT_MANUFACTURER, which the SAN carries — not the 16-bit hardware interface VID): each vendor's four ASCII
 * characters as a big-endian UINT32. Plus the identifier the FIDO Alliance's conformance tools give their test
 * TPM, which servers seeking FIDO certification must accept. The registry's simulator and testing values are
 * left out: they never belong in a production attestation (the WebAuthn L3 §16 test vector's `id:00000000`
 * included). This table
 * only says the certificate names a real manufacturer; whether the chain leads to that manufacturer's (or
 * Microsoft's) root is the trust decision's (§7.1 steps 22–23).
 */

/** Vendor ID (the four characters as 8 upper-case hexadecimal digits) → vendor name. */
const TPM_VENDORS: ReadonlyMap<string, string> = new Map([
  ['414D4400', 'AMD'], // "AMD\0"
  ['414E5400', 'Ant Group'], // "ANT\0"
  ['41524D00', 'Arm'], // "ARM\0"
  ['41544D4C', 'Atmel'], // "ATML"
  ['4252434D', 'Broadcom'], // "BRCM"
  ['4353434F', 'Cisco'], // "CSCO"
  ['464C5953', 'Flyslice Technologies'], // "FLYS"
  ['524F4343', 'Fuzhou Rockchip'], // "ROCC"
  ['474F4F47', 'Google'], // "GOOG"
  ['48504500', 'HPE'], // "HPE\0"
  ['48504900', 'HP Inc.'], // "HPI\0"
  ['48495349', 'Huawei'], // "HISI"
  ['49424D00', 'IBM'], // "IBM\0"
  ['49465800', 'Infineon'], // "IFX\0"
  ['494E5443', 'Intel'], // "INTC"
  ['4C454E00', 'Lenovo'], // "LEN\0"
  ['4D534654', 'Microsoft'], // "MSFT"
  ['4E534D20', 'National Semiconductor'], // "NSM "
  ['4E545A00', 'Nationz'], // "NTZ\0"
  ['4E544300', 'Nuvoton Technology'], // "NTC\0"
  ['4E534700', 'NSING'], // "NSG\0"
  ['51434F4D', 'Qualcomm'], // "QCOM"
  ['534D534E', 'Samsung'], // "SMSN"
  ['53454345', 'SecEdge'], // "SECE"
  ['534E5300', 'Sinosun'], // "SNS\0"
  ['534D5343', 'SMSC'], // "SMSC"
  ['53544D20', 'STMicroelectronics'], // "STM "
  ['54584E00', 'Texas Instruments'], // "TXN\0"
  ['57454300', 'Winbond'], // "WEC\0"
  ['5345414C', 'WISeKey'], // "SEAL"
  ['FFFFF1D0', 'FIDO Alliance conformance test TPM'],
]);

/**
 * The vendor a tcg-at-tpmManufacturer value names: `id:` then eight hexadecimal digits (either case) of a
 * registered vendor ID.
 *
 * @param value - the attribute's text
 * @returns the vendor's name, or `undefined` for a malformed value or an unregistered vendor
 * @internal
 */
export function tpmVendorName(value: string): string | undefined {
  const match = /^id:([0-9A-Fa-f]{8})$/.exec(value);
  return match === null ? undefined : TPM_VENDORS.get(match[1]!.toUpperCase());
}
