import { describe, expect, it } from 'vitest';
import { bodyReadFailure } from './_jsonBody.ts';
import { RequestError } from './_requestError.ts';

/** What body-parser (through http-errors) hands `next`: an error with a `status`, with or without a `type`. */
function parserError(status: number, props: Record<string, unknown> = {}, key: 'status' | 'statusCode' = 'status'): Error {
  return Object.assign(new Error('body-parser failure'), { [key]: status, expose: status < 500 }, props);
}

function codeOf(error: unknown): string | undefined {
  return error instanceof RequestError ? error.code : undefined;
}

describe('bodyReadFailure', () => {
  it('maps body-parser error types to request errors', () => {
    expect(codeOf(bodyReadFailure(parserError(400, { type: 'entity.parse.failed' })))).toBe('invalid_json');
    expect(codeOf(bodyReadFailure(parserError(413, { type: 'entity.too.large' })))).toBe('payload_too_large');
    expect(codeOf(bodyReadFailure(parserError(415, { type: 'charset.unsupported' })))).toBe('unsupported_media_type');
    expect(codeOf(bodyReadFailure(parserError(415, { type: 'encoding.unsupported' })))).toBe('unsupported_media_type');
    expect(codeOf(bodyReadFailure(parserError(400, { type: 'request.aborted' })))).toBe('invalid_request');
  });

  it('maps an untyped 4xx (a zlib error, a stream error) to a 4xx request error, never a server fault', () => {
    const zlib = Object.assign(new Error('incorrect header check'), { errno: -3, code: 'Z_DATA_ERROR' });
    const wrapped = Object.assign(zlib, { status: 400, statusCode: 400, expose: true });
    const failure = bodyReadFailure(wrapped);
    expect(codeOf(failure)).toBe('invalid_json');
    expect((failure as RequestError).cause).toBe(wrapped);
    expect(codeOf(bodyReadFailure(parserError(400, {}, 'statusCode')))).toBe('invalid_json');
    expect(codeOf(bodyReadFailure(parserError(403)))).toBe('invalid_json');
    expect(codeOf(bodyReadFailure(parserError(413)))).toBe('payload_too_large');
    expect(codeOf(bodyReadFailure(parserError(413, {}, 'statusCode')))).toBe('payload_too_large');
    expect(codeOf(bodyReadFailure(parserError(415)))).toBe('unsupported_media_type');
    expect(codeOf(bodyReadFailure(parserError(400, { type: 'some.future.type' })))).toBe('invalid_json');
  });

  it('leaves everything else unchanged: a server fault', () => {
    for (const error of [new Error('boom'), parserError(500), parserError(503, {}, 'statusCode'), parserError(200), parserError(399), parserError(400.5), 'text', null, undefined, { status: '400' }]) {
      expect(bodyReadFailure(error)).toBe(error);
    }
  });
});
