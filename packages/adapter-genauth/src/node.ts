/**
 * `@tessera/adapter-genauth/node`: mounts the Fetch API handler of `@tessera/adapter-genauth` on `node:http`
 * or Express. Its types use `node:http`, so it is a subpath of its own: the main entry point stays free of
 * Node types for Bun, Deno and Workers projects.
 *
 * @module
 */
export { toNodeListener } from './toNodeListener.ts';
export type { NodeListener, NodeListenerOptions } from './toNodeListener.ts';
