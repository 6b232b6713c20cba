/**
 * Builds one array parameter as a Postgres array literal (`{1.5,NULL,"a\\"b"}`), element by element.
 * Sent as text and cast in SQL, so neither driver has to guess an element type (postgres.js guesses from the
 * first element and fails on nulls and booleans).
 */
export class ArrayLiteral {
  private readonly parts: string[] = [];

  text(v: string | null | undefined): this {
    if (v === null || v === undefined) this.parts.push("NULL");
    else if (v.indexOf('"') === -1 && v.indexOf("\\") === -1) this.parts.push(`"${v}"`);
    else this.parts.push(`"${v.replace(/[\\"]/g, "\\$&")}"`);
    return this;
  }

  num(v: number | null | undefined): this {
    this.parts.push(v === null || v === undefined || !Number.isFinite(v) ? "NULL" : String(v));
    return this;
  }

  bool(v: boolean): this {
    this.parts.push(v ? "t" : "f");
    return this;
  }

  toString(): string {
    return `{${this.parts.join(",")}}`;
  }
}

/** One array literal from plain values (numbers, booleans, null; anything else as text). */
export function pgArrayLiteral(values: readonly unknown[]): string {
  const a = new ArrayLiteral();
  for (const v of values) {
    if (typeof v === "number") a.num(v);
    else if (typeof v === "boolean") a.bool(v);
    else if (v === null || v === undefined) a.text(null);
    else a.text(typeof v === "string" ? v : String(v));
  }
  return a.toString();
}
