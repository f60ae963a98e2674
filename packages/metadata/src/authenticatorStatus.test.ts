import { describe, expect, it } from 'vitest';
import { DEFAULT_REFUSED_STATUSES, latestStatusReports, refusedStatus } from './authenticatorStatus.ts';

const entry = (...reports: { status: string; effectiveDate?: string }[]) => ({ statusReports: reports });

describe('latest status (FIDO MDS3 §3.1.3–3.1.4)', () => {
  it('refuses each default refused status when it is the latest', () => {
    for (const status of DEFAULT_REFUSED_STATUSES) {
      expect(refusedStatus(entry({ status: 'FIDO_CERTIFIED_L1', effectiveDate: '2022-01-01' }, { status, effectiveDate: '2023-01-01' }))).toBe(status);
    }
  });

  it('lets a later certification win over an older revocation, in whatever order the reports come', () => {
    const revoked = { status: 'REVOKED', effectiveDate: '2023-01-01' };
    const certified = { status: 'FIDO_CERTIFIED', effectiveDate: '2024-03-05' };
    expect(refusedStatus(entry(revoked, certified))).toBeUndefined();
    expect(refusedStatus(entry(certified, revoked))).toBeUndefined();
    expect(refusedStatus(entry(certified, { status: 'REVOKED', effectiveDate: '2024-03-06' }))).toBe('REVOKED');
  });

  it('refuses when any report of the latest date is refused, and counts undated reports as oldest', () => {
    expect(refusedStatus(entry({ status: 'FIDO_CERTIFIED', effectiveDate: '2024-01-01' }, { status: 'USER_VERIFICATION_BYPASS', effectiveDate: '2024-01-01' }))).toBe(
      'USER_VERIFICATION_BYPASS',
    );
    expect(refusedStatus(entry({ status: 'REVOKED' }, { status: 'FIDO_CERTIFIED', effectiveDate: '2020-01-01' }))).toBeUndefined();
    expect(latestStatusReports(entry())).toEqual([]);
  });

  it('takes a list of its own', () => {
    const updateAvailable = entry({ status: 'UPDATE_AVAILABLE', effectiveDate: '2024-01-01' });
    expect(refusedStatus(updateAvailable)).toBeUndefined();
    expect(refusedStatus(updateAvailable, ['UPDATE_AVAILABLE'])).toBe('UPDATE_AVAILABLE');
    expect(refusedStatus(entry({ status: 'REVOKED', effectiveDate: '2024-01-01' }), [])).toBeUndefined();
  });

  it('at a given time, a future-dated report neither masks a current refused status nor is ignored when it refuses', () => {
    const now = Date.parse('2026-06-15T12:00:00Z');
    // Attack: a certification dated in the future would otherwise be the "latest" and hide today's revocation.
    const masked = entry({ status: 'REVOKED', effectiveDate: '2025-01-01' }, { status: 'FIDO_CERTIFIED', effectiveDate: '2099-01-01' });
    expect(refusedStatus(masked, DEFAULT_REFUSED_STATUSES, now)).toBe('REVOKED');
    expect(latestStatusReports(masked, now)).toEqual([{ status: 'REVOKED', effectiveDate: '2025-01-01' }]);
    // An announced compromise refuses already; a report effective today counts.
    expect(refusedStatus(entry({ status: 'FIDO_CERTIFIED', effectiveDate: '2024-01-01' }, { status: 'REVOKED', effectiveDate: '2026-07-01' }), DEFAULT_REFUSED_STATUSES, now)).toBe('REVOKED');
    expect(refusedStatus(entry({ status: 'REVOKED', effectiveDate: '2024-01-01' }, { status: 'FIDO_CERTIFIED', effectiveDate: '2026-06-15' }), DEFAULT_REFUSED_STATUSES, now)).toBeUndefined();
  });
});
