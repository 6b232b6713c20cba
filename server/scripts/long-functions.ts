/**
 * Lists every function longer than the limit of docs/architecture.md (rule 8: 80 lines) in server/src
 * and client/src, tests excluded: function declarations and expressions, arrow functions, methods,
 * constructors and accessors, each measured from its first to its last line (a nested function also
 * counts towards its parent). `.svelte` files are measured through their `<script>` blocks.
 *   pnpm check:functions (tsx server/scripts/long-functions.ts [--limit 80]), a step of `pnpm check`
 * Prints one line a function (`file:line name lines`), longest first; exits 1 when one is over that is not
 * in PENDING below.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

const root = join(import.meta.dirname, "..", "..");
const DIRS = ["server/src", "client/src"];
const limitArg = process.argv.indexOf("--limit");
const LIMIT = limitArg >= 0 ? Number(process.argv[limitArg + 1]) : 80;

/**
 * Functions over the limit whose split is under way in another branch (issue 11), by `file name`. An entry
 * that is no longer over the limit is reported as stale, so the list only shrinks.
 */
const PENDING = new Map<string, string>([]);

interface LongFunction {
  file: string;
  line: number;
  name: string;
  lines: number;
}

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|svelte)$/.test(entry.name) && !/\.(test|d)\.ts$/.test(entry.name)) yield path;
  }
}

/** The script blocks of a file, each with the line it starts on (0 for a .ts file). */
function scripts(path: string): { text: string; firstLine: number }[] {
  const text = readFileSync(path, "utf8");
  if (!path.endsWith(".svelte")) return [{ text, firstLine: 0 }];
  const blocks: { text: string; firstLine: number }[] = [];
  for (const m of text.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)) {
    const start = (m.index ?? 0) + m[0].indexOf(">") + 1;
    blocks.push({ text: m[1] ?? "", firstLine: text.slice(0, start).split("\n").length - 1 });
  }
  return blocks;
}

function nameOf(node: ts.Node): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name && ts.isIdentifier(named.name)) return named.name.text;
  if (ts.isConstructorDeclaration(node)) return "constructor";
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isPropertyDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isCallExpression(parent))
    return `<callback of ${parent.expression.getText().slice(0, 40)}>`;
  return "<anonymous>";
}

function longFunctions(path: string): LongFunction[] {
  const found: LongFunction[] = [];
  const file = relative(root, path);
  for (const block of scripts(path)) {
    const source = ts.createSourceFile(file, block.text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionLike(node) && "body" in node && node.body) {
        const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
        const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
        const lines = end - start + 1;
        if (lines > LIMIT) found.push({ file, line: block.firstLine + start + 1, name: nameOf(node), lines });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

const all = DIRS.flatMap((dir) => [...sourceFiles(join(root, dir))].flatMap(longFunctions));
all.sort((a, b) => b.lines - a.lines);
const keyOf = (f: LongFunction) => `${f.file} ${f.name}`;
const failing = all.filter((f) => !PENDING.has(keyOf(f)));
for (const f of all) {
  const pending = PENDING.get(keyOf(f));
  process.stdout.write(
    `${f.file}:${f.line} ${f.name} ${f.lines}${pending ? ` (pending: ${pending})` : ""}\n`,
  );
}
for (const key of PENDING.keys()) {
  if (!all.some((f) => keyOf(f) === key))
    process.stdout.write(`stale PENDING entry (now within the limit): ${key}\n`);
}
process.stdout.write(
  `functions over ${LIMIT} lines: ${all.length} (${all.length - failing.length} pending in other branches)\n`,
);
process.exit(failing.length === 0 ? 0 : 1);
