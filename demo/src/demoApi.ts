import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { accountNameSchema, type DemoDirectory } from './demoDirectory.ts';

/**
 * The demo's own endpoints under `/demo`: accounts, the first step of the two-step sign-in, who is signed
 * in, and sign-out. They answer in the same envelope as the Express router, `{ success: true, data }` /
 * `{ success: false, error }`, so the pages handle one shape. Passkeys are listed, renamed and deleted
 * through the adapters' own management routes.
 */

const nameBodySchema = z.object({ name: accountNameSchema }, { error: 'Send the account name as JSON: { "name": "…" }.' });

/**
 * The `/demo` router.
 *
 * @param directory - accounts and sessions
 */
export function demoApi(directory: DemoDirectory): Router {
  const router = express.Router();
  router.use(express.json({ limit: '4kb' }));

  // Create an account and sign in to it, so its first passkey can be added.
  router.post('/accounts', async (req, res) => {
    const body = nameBodySchema.safeParse(req.body);
    if (!body.success) return fail(res, 400, body.error.issues[0]?.message ?? 'Choose an account name.');
    const account = await directory.createAccount(body.data.name);
    if (account === undefined) return fail(res, 409, `The name “${body.data.name}” is taken. Sign in, or choose another name.`);
    const token = directory.openSession(account, 'signed-in');
    res.status(201).json({ success: true, data: { token, name: account.name } });
  });

  // Step one of the Express page's sign-in: the account name. A real application checks a password here;
  // the session it opens may only run the passkey step.
  router.post('/sign-in', async (req, res) => {
    const body = nameBodySchema.safeParse(req.body);
    if (!body.success) return fail(res, 400, body.error.issues[0]?.message ?? 'Type your account name.');
    const account = await directory.accountNamed(body.data.name);
    if (account === undefined) return fail(res, 404, `There is no account named “${body.data.name}”. Create it first.`);
    const token = directory.openSession(account, 'passkey-pending');
    res.json({ success: true, data: { token, name: account.name, stage: 'passkey-pending' } });
  });

  router.get('/me', (req, res) => {
    const session = directory.sessionOf(req.get('authorization'));
    if (session === undefined || session.stage !== 'signed-in') return fail(res, 401, 'You are not signed in.');
    res.json({ success: true, data: { name: session.account.name } });
  });

  router.post('/sign-out', (req, res) => {
    const session = directory.sessionOf(req.get('authorization'));
    if (session !== undefined) directory.closeSession(session.token);
    res.json({ success: true, data: {} });
  });

  router.use((req, res) => fail(res, 404, `There is no ${req.method} /demo${req.path}.`));
  // Failures Express and express.json report with a 4xx status (malformed JSON, too large, wrong charset, an
  // undecodable URL) keep it, with a sentence for each; anything else is the demo's fault.
  router.use((error: unknown, _req: Request, res: Response, _next: express.NextFunction) => {
    const { status, type } = (typeof error === 'object' && error !== null ? error : {}) as { status?: unknown; type?: unknown };
    if (typeof status === 'number' && status >= 400 && status < 500) return fail(res, status, CLIENT_FAULTS[String(type)] ?? 'The request could not be read.');
    if ((error as { code?: unknown }).code === 'store_unavailable') return fail(res, 503, 'The database is unavailable; try again shortly.');
    console.error('Tessera demo: unexpected failure', error);
    fail(res, 500, 'The demo server failed; see its console.');
  });
  return router;
}

/** Sentences for body-parser's error types. */
const CLIENT_FAULTS: Readonly<Record<string, string>> = {
  'entity.parse.failed': 'The request body is not valid JSON.',
  'entity.too.large': 'The request body is too large.',
  'charset.unsupported': 'The request body must be UTF-8 JSON.',
  'encoding.unsupported': 'The request body must not be compressed.',
};

function fail(res: Response, status: number, error: string): void {
  res.status(status).json({ success: false, error });
}
