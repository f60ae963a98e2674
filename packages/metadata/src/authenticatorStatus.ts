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
 * @returns the reports of the latest date, in BLOB order; empty when the entry has none
 */
export function latestStatusReports(entry: Pick<MetadataEntry, 'statusReports'>): StatusReport[] {
  let latest: StatusReport[] = [];
  let latestDate: string | undefined;
  for (const report of entry.statusReports) {
    const date = report.effectiveDate ?? '';
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
 * @returns the refused status, or `undefined` when the latest reports are all acceptable
 */
export function refusedStatus(entry: Pick<MetadataEntry, 'statusReports'>, refused: readonly string[] = DEFAULT_REFUSED_STATUSES): string | undefined {
  return latestStatusReports(entry).find((report) => refused.includes(report.status))?.status;
}
