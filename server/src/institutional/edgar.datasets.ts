/** The SEC's quarterly 13F and insider (Forms 3/4/5) data sets: labels, paths and the download cap. */
import { AppError } from "../errors";

/** Largest data-set zip `pnpm cli fetch sec --dataset` downloads (a 13F quarter is about 90 MB). */
export const DATASET_DOWNLOAD_MAX_BYTES = 4 * 1024 ** 3;

/** A data set's label: `2023q4` (quarters; 13F until 2023) or `01dec2024-28feb2025` (13F from 2024). */
export const isDatasetLabel = (v: string): boolean =>
  /^(\d{4}q[1-4]|\d{2}[a-z]{3}\d{4}-\d{2}[a-z]{3}\d{4})$/.test(v);

/**
 * Where the SEC publishes a quarterly data set under www.sec.gov (the data sets pages of
 * https://www.sec.gov/data-research/sec-markets-data): `files/structureddata/data/form-13f-data-sets/
 * <label>_form13f.zip` and `.../insider-transactions-data-sets/<label>_form345.zip`.
 */
export function datasetPath(kind: "13f" | "insider", label: string): string {
  if (!isDatasetLabel(label)) {
    throw new AppError(
      "INVALID_INPUT",
      `"${label.slice(0, 40)}" is not a data-set label (2023q4, 01dec2024-28feb2025)`,
    );
  }
  return kind === "13f"
    ? `files/structureddata/data/form-13f-data-sets/${label}_form13f.zip`
    : `files/structureddata/data/insider-transactions-data-sets/${label}_form345.zip`;
}
