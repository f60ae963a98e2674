/**
 * `@tessera/core/adapter`: pieces shared by the framework adapters (`@tessera/adapter-*`).
 *
 * Internal: for adapter authors only. Nothing here is covered by semver stability; any release may change
 * or remove it. Applications use `@tessera/core` and their adapter's own exports.
 *
 * @module
 */
export { adapterUserSchema, registrationUserOf } from './adapterUser.ts';
export type { AdapterUser } from './adapterUser.ts';
export { DEFAULT_BODY_LIMIT_BYTES, DEFAULT_BODY_TIMEOUT_MS } from './bodyLimit.ts';
export { checkedUserHandle, defaultUserHandle } from './checkedUserHandle.ts';
export { consoleLogger } from './consoleLogger.ts';
export type { AdapterLogger } from './consoleLogger.ts';
export { descriptorOf } from './credentialDescriptor.ts';
export { hasMethods, isCredentialStore, isFunction, isRelyingParty } from './optionChecks.ts';
export { parseAdapterOptions } from './parseAdapterOptions.ts';
export { DEFAULT_RETRY_AFTER_SECONDS } from './retryAfter.ts';
export { SignalledFailure, withUnknownCredentialSignal } from './signalledFailure.ts';
