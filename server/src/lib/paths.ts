import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { AppError } from "../errors";

/** Files named, and the files directly inside folders named (sorted, hidden files skipped). */
export function expandPaths(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new AppError("NOT_FOUND", `${p}: no such file or folder`);
    if (statSync(p).isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        if (!name.startsWith(".") && statSync(join(p, name)).isFile()) out.push(join(p, name));
      }
    } else out.push(p);
  }
  return out;
}
