import { describe, expect, it } from "vitest";
import { startBanner } from "./banner";
import { loadEnv } from "./env";

describe("bind address", () => {
  it("listens on this machine only by default while no API keys are set", () => {
    expect(loadEnv({}).HOST).toBe("127.0.0.1");
  });

  it("listens on every interface by default once API keys are set", () => {
    expect(loadEnv({ API_KEYS: "k1,k2" }).HOST).toBe("0.0.0.0");
  });

  it("takes HOST when it is set, either way", () => {
    expect(loadEnv({ HOST: "0.0.0.0" }).HOST).toBe("0.0.0.0");
    expect(loadEnv({ HOST: "127.0.0.1", API_KEYS: "k" }).HOST).toBe("127.0.0.1");
  });

  it("says in the start banner who can reach the service", () => {
    const facts = { url: "http://127.0.0.1:8000", database: "pglite" as const, feed: "demo" };
    expect(startBanner(loadEnv({}), facts)).toMatch(/listening:\s+127\.0\.0\.1:8000 \(this machine only/);
    expect(startBanner(loadEnv({ HOST: "0.0.0.0" }), { ...facts, url: "http://localhost:8000" })).toMatch(
      /0\.0\.0\.0:8000 \(open to the network WITHOUT API keys/,
    );
  });
});

describe("web origins and keys in the configuration", () => {
  it("reads ALLOWED_ORIGINS as origins and refuses an entry that is not one", () => {
    expect(
      loadEnv({ ALLOWED_ORIGINS: "https://dash.example.com, http://localhost:5173/" }).ALLOWED_ORIGINS,
    ).toEqual(["https://dash.example.com", "http://localhost:5173"]);
    expect(() => loadEnv({ ALLOWED_ORIGINS: "dash.example.com" })).toThrow(/ALLOWED_ORIGINS/);
    expect(() => loadEnv({ ALLOWED_ORIGINS: "https://dash.example.com/app" })).toThrow(/ALLOWED_ORIGINS/);
  });

  it("refuses an API key longer than 256 characters", () => {
    expect(() => loadEnv({ API_KEYS: `ok,${"k".repeat(257)}` })).toThrow(
      /API_KEYS: each key must be at most 256/,
    );
  });
});

describe("symbol lists in the configuration", () => {
  it("are read in the canonical form the stores use", () => {
    const env = loadEnv({ DIX_BASKET: "brk/b, AAPL,BF-B", DEMO_SYMBOLS: "aaicpb,BRK.B" });
    expect(env.DIX_BASKET).toEqual(["BRK.B", "AAPL", "BF.B"]);
    expect(env.DEMO_SYMBOLS).toEqual(["AAICPB", "BRK.B"]);
  });

  it("refuse what is not a ticker, naming it", () => {
    expect(() => loadEnv({ DIX_BASKET: 'AAPL,A"B' })).toThrow(/DIX_BASKET.*A\\"B/s);
  });
});
