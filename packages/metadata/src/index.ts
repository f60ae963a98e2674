/**
 * `@tessera/metadata`: the FIDO Metadata Service (MDS3) for Tessera.
 *
 * The public API is exactly what this file lists.
 *
 * @module
 */
export {};
