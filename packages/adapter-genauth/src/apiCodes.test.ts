import { describe, expect, it } from 'vitest';
import { TESSERA_ERROR_CODES } from '@tessera/core';
import { REQUEST_ERROR_API_CODES, TESSERA_ERROR_API_CODES, type ApiError } from './apiCodes.ts';

const entries: [string, ApiError][] = [...Object.entries(TESSERA_ERROR_API_CODES), ...Object.entries(REQUEST_ERROR_API_CODES)];

describe('apiCode tables', () => {
  it('map every core code, and nothing else', () => {
    expect(Object.keys(TESSERA_ERROR_API_CODES).sort()).toEqual([...TESSERA_ERROR_CODES].sort());
  });

  it('follow the numbering: apiCode / 100 is the HTTP status, 4xx or 5xx', () => {
    for (const [name, { statusCode, apiCode }] of entries) {
      expect(Math.floor(apiCode / 100), name).toBe(statusCode);
      expect(statusCode >= 400 && statusCode <= 599, name).toBe(true);
    }
  });

  it('give each apiCode one meaning: one message, and only server faults share 50001', () => {
    const messageOf = new Map<number, string>();
    const users = new Map<number, string[]>();
    for (const [name, { apiCode, message }] of entries) {
      expect(messageOf.get(apiCode) ?? message, name).toBe(message);
      messageOf.set(apiCode, message);
      users.set(apiCode, [...(users.get(apiCode) ?? []), name]);
      expect(message, name).toMatch(/^[A-Z].*\.$/);
    }
    for (const [apiCode, names] of users) if (names.length > 1) expect(apiCode, names.join()).toBe(50001);
  });

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(TESSERA_ERROR_API_CODES)).toBe(true);
    expect(entries.every(([, entry]) => Object.isFrozen(entry))).toBe(true);
  });
});
