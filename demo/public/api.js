// Calls to the demo server, reading both envelopes: the Express router's { success, data | error, code }
// and GenAuth's { statusCode, message, apiCode, requestId, data }. Every failure becomes a DemoError whose
// message is the server's sentence and its code, so the page always says what went wrong. An answer's
// `signals` member (a success's or a refusal's) goes to the browser's Signal API before anything else.
import { DemoError } from './passkeys.js';
import { emitSignals } from './signals.js';

/**
 * Sends a JSON request and returns the envelope's data.
 * @param {string} method
 * @param {string} path
 * @param {{ token?: string | null, body?: unknown }} [options]
 * @returns {Promise<any>} the envelope's `data` (or the whole envelope when it has none)
 */
export async function call(method, path, { token = null, body } = {}) {
  const headers = { accept: 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new DemoError('Could not reach the demo server. Is it still running?');
  }
  let envelope;
  try {
    envelope = await response.json();
  } catch {
    throw new DemoError(`The server answered ${response.status} without a JSON envelope.`);
  }
  await emitSignals(envelope?.signals ?? envelope?.data?.signals);
  const failed = !response.ok || envelope.success === false || (typeof envelope.statusCode === 'number' && envelope.statusCode !== 200);
  if (failed) throw new DemoError(describeFailure(response.status, envelope), response.status);
  return envelope.data ?? envelope;
}

function describeFailure(status, envelope) {
  if (typeof envelope.apiCode === 'number') return `${envelope.message} (GenAuth apiCode ${envelope.apiCode}, HTTP ${status})`;
  const code = typeof envelope.code === 'string' ? `, ${envelope.code}` : '';
  return `${envelope.error ?? 'The request failed.'} (HTTP ${status}${code})`;
}
