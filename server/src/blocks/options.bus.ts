/**
 * Newly stored option prints, announced to the live detectors of the same database. The live bus of
 * realtime/ carries equity prints; until it has an option event, option ingests announce here, keyed by
 * the database handle so two services in one process (tests) stay apart.
 */
import type { Db } from "@smt/db";
import type { OptionPrint } from "./options.parse";

type Listener = (prints: OptionPrint[]) => void;
const listeners = new WeakMap<Db, Set<Listener>>();

export function onOptionPrintsStored(db: Db, listener: Listener): () => void {
  let set = listeners.get(db);
  if (set === undefined) {
    set = new Set();
    listeners.set(db, set);
  }
  set.add(listener);
  return () => set.delete(listener);
}

export function announceOptionPrints(db: Db, prints: OptionPrint[]): void {
  if (prints.length === 0) return;
  for (const l of listeners.get(db) ?? []) l(prints);
}
