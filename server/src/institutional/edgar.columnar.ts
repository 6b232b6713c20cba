import { easternToUtc } from "./xml-records";

/** One row of the submissions JSON `filings.recent` columns (or an older page). */
export interface FilingSummary {
  accession: string;
  form: string;
  filingDate: string;
  reportDate: string | null;
  /**
   * EDGAR acceptance time as UTC. The submissions JSON writes it like `2022-11-30T16:42:36.000Z` but the
   * clock is New York's: filings stamped after 17:30 carry the next business day's `filingDate`
   * (observed in the recorded Tesla file), so the `Z` is not to be believed.
   */
  acceptedAt: Date | null;
  primaryDocument: string | null;
}

/** The filings of an EDGAR submissions JSON (`filings.recent` and its extra pages): parallel arrays. */
export interface Columnar {
  accessionNumber: string[];
  filingDate: string[];
  reportDate?: (string | null)[];
  acceptanceDateTime?: (string | null)[];
  form: string[];
  primaryDocument?: (string | null)[];
}

/** The submissions JSON stores filings as parallel arrays; this turns them into rows. */
export function fromColumnar(c: Columnar): FilingSummary[] {
  const out: FilingSummary[] = [];
  for (let i = 0; i < c.accessionNumber.length; i++) {
    const accepted = c.acceptanceDateTime?.[i];
    const m = accepted ? /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(accepted) : null;
    const clean = (v: string | null | undefined) =>
      v === undefined || v === null || v === "" || v === "None" ? null : v;
    out.push({
      accession: c.accessionNumber[i] as string,
      form: c.form[i] as string,
      filingDate: c.filingDate[i] as string,
      reportDate: clean(c.reportDate?.[i]),
      acceptedAt: m ? easternToUtc(m[1] as string, m[2] as string) : null,
      primaryDocument: clean(c.primaryDocument?.[i]),
    });
  }
  return out;
}
