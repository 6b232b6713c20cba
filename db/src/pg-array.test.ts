import { describe, expect, it } from "vitest";
import { pgArrayLiteral } from "./pg-array";

describe("array parameters", () => {
  it("writes Postgres array literals with NULLs, booleans and escaped quotes and backslashes", () => {
    expect(pgArrayLiteral(["AAPL", null, 'a"b', "c\\d", "x,y"])).toBe('{"AAPL",NULL,"a\\"b","c\\\\d","x,y"}');
    expect(pgArrayLiteral([1.5, null, Number.NaN, 0])).toBe("{1.5,NULL,NULL,0}");
    expect(pgArrayLiteral([true, false])).toBe("{t,f}");
    expect(pgArrayLiteral([])).toBe("{}");
    expect(pgArrayLiteral(["a", null, 'q"x', "b\\s", 3, true])).toBe('{"a",NULL,"q\\"x","b\\\\s",3,t}');
  });
});
