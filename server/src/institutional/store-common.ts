/** Provenance shared by the rows of one filing. */
export interface FilingProvenance {
  /** `sec_13f_xml`, `sec_13f_dataset`, `sec_form4_xml`, `sec_insider_dataset`, `demo`. */
  source: string;
  accession: string;
  publishedAt: Date;
}
