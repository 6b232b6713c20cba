import * as crypto from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { isValidApiKey, MAX_API_KEY_LENGTH, needsApiKey } from "./auth";

vi.mock("node:crypto", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:crypto")>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const keys = ["bot-key-1", "bot-key-2-longer"];

describe("API key check", () => {
  it("accepts exactly the configured keys and nothing near them", () => {
    expect(isValidApiKey("bot-key-1", keys)).toBe(true);
    expect(isValidApiKey("bot-key-2-longer", keys)).toBe(true);
    for (const near of [
      "bot-key-",
      "bot-key-11",
      "Bot-key-1",
      "bot-key-2",
      " bot-key-1",
      "",
      "x".repeat(300),
    ]) {
      expect(isValidApiKey(near, keys), near).toBe(false);
    }
    expect(isValidApiKey(null, keys)).toBe(false);
    expect(isValidApiKey(42, keys)).toBe(false);
    expect(isValidApiKey("bot-key-1", [])).toBe(false);
  });

  it("never accepts a key longer than the limit, even a configured one", () => {
    const long = "k".repeat(MAX_API_KEY_LENGTH + 1);
    expect(isValidApiKey(long, [long])).toBe(false);
    const atLimit = "k".repeat(MAX_API_KEY_LENGTH);
    expect(isValidApiKey(atLimit, [atLimit])).toBe(true);
  });

  it("compares fixed-size digests with timingSafeEqual against every configured key, not stopping at a match", () => {
    const spy = vi.mocked(crypto.timingSafeEqual);
    spy.mockClear();
    expect(isValidApiKey("bot-key-1", keys)).toBe(true);
    expect(spy).toHaveBeenCalledTimes(keys.length);
    // Both sides are sha256 digests: 32 bytes whatever the key lengths, so no length short-cut.
    for (const [a, b] of spy.mock.calls) {
      expect((a as Buffer).length).toBe(32);
      expect((b as Buffer).length).toBe(32);
    }
    spy.mockClear();
    expect(isValidApiKey("x", keys)).toBe(false);
    expect(spy).toHaveBeenCalledTimes(keys.length);
  });

  it("asks for a key on every write and on the webhook listings, not on other reads", () => {
    for (const m of ["POST", "PUT", "PATCH", "DELETE"])
      expect(needsApiKey(m, "/smart-money/ingest/prints")).toBe(true);
    expect(needsApiKey("GET", "/smart-money/webhooks")).toBe(true);
    expect(needsApiKey("GET", "/smart-money/webhooks/dead-letters")).toBe(true);
    expect(needsApiKey("GET", "/smart-money/webhooksX")).toBe(false);
    expect(needsApiKey("GET", "/smart-money/dark-pool/AAPL/prints")).toBe(false);
    // MCP is POSTed but every tool is a read; its neighbours are not.
    expect(needsApiKey("POST", "/mcp")).toBe(false);
    expect(needsApiKey("POST", "/mcp/x")).toBe(true);
    expect(needsApiKey("POST", "/mcpx")).toBe(true);
  });
});
