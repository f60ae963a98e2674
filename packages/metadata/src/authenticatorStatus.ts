import type { MetadataEntry, StatusReport } from './metadataBlobPayload.ts';

/*
 * Which status of an authenticator counts (FIDO MDS3 §3.1.3–3.1.4): the status reports of an entry are a history,
 * and the latest one by `effectiveDate` is the authenticator's current status. A FIDO_CERTIFIED report dated after a
 * REVOKED one means the problem was fixed; a REVOKED report dated after a certification means it was not.
 */

/**
 * The statuses refused by default (FIDO MDS3 §3.1.4): the model is revoked, or a flaw lets user verification be
 * bypassed, or attestation or user keys can be extracted remotely or physically.
 */
export const DEFAULT_REFUSED_STATUSES: readonly string[] = [
  'REVOKED',
  'USER_VERIFICATION_BYPASS',
  'ATTESTATION_KEY_COMPROMISE',
  'USER_KEY_REMOTE_COMPROMISE',
  'USER_KEY_PHYSICAL_COMPROMISE',
];

/**
 * The latest status reports of an entry: those with the greatest `effectiveDate` (reports without a date count as
 * older than any dated one). Several reports can share that date; all of them are returned, and a policy should
 * refuse if any of them is refused.
 *
 * @param entry - a BLOB entry (FIDO MDS3 §3.1.1)
 * @param now - when given, epoch ms: reports whose `effectiveDate` is after that day (UTC) are not in effect yet and
 *   are left out, so a future-dated report cannot hide the status in effect
 * @returns the reports of the latest date, in BLOB order; empty when the entry has none
 */
export function latestStatusReports(entry: Pick<MetadataEntry, 'statusReports'>, now?: number): StatusReport[] {
  const today = todayOf(now);
  let latest: StatusReport[] = [];
  let latestDate: string | undefined;
  for (const report of entry.statusReports) {
    const date = report.effectiveDate ?? '';
    if (today !== undefined && date > today) continue;
    // ISO dates YYYY-MM-DD compare correctly as strings.
    if (latestDate === undefined || date > latestDate) {
      latest = [report];
      latestDate = date;
    } else if (date === latestDate) {
      latest.push(report);
    }
  }
  return latest;
}

/**
 * The refused status an entry is in now, if any: the first of its {@link latestStatusReports} whose status is in
 * `refused`.
 *
 * @param entry - a BLOB entry
 * @param refused - the refused statuses; default {@link DEFAULT_REFUSED_STATUSES}
 * @param now - when given, epoch ms: the latest reports are those in effect that day (UTC), and a refused report
 *   dated after it (an announced revocation or compromise) refuses as well
 * @returns the refused status, or `undefined` when the latest reports are all acceptable
 */
export function refusedStatus(entry: Pick<MetadataEntry, 'statusReports'>, refused: readonly string[] = DEFAULT_REFUSED_STATUSES, now?: number): string | undefined {
  const today = todayOf(now);
  const announced = today === undefined ? [] : entry.statusReports.filter((report) => (report.effectiveDate ?? '') > today);
  return [...latestStatusReports(entry, now), ...announced].find((report) => refused.includes(report.status))?.status;
}

/** The UTC day of `now` as `YYYY-MM-DD`, which compares with MDS3 dates as a string. */
function todayOf(now: number | undefined): string | undefined {
  const date = now === undefined ? undefined : new Date(now);
  return date === undefined || Number.isNaN(date.getTime()) ? undefined : date.toISOString().slice(0, 10);
}
