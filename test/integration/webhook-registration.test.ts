import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, buildTestApp, ok } from "../support/app";
import { engines } from "../support/db";

type ErrorBody = {
  error: { code: string; message: string; details: { field?: string; reason?: string } | null };
};

describe.each(engines())("webhook registration (%s)", (engine) => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  beforeAll(async () => {
    t = await buildTestApp(engine, { API_KEYS: "key-one,key-two", WEBHOOK_MAX_PER_KEY: "2" });
  });
  afterAll(() => t.close());

  const register = (url: string, key = "key-one") =>
    api(t.app).webhooks.$post({ json: { url, symbols: ["AAPL"] } }, { headers: { "x-api-key": key } });

  it.each([
    ["http://127.0.0.1:8000/", "loopback"],
    ["http://0x7f000001/", "loopback"],
    ["http://2130706433:5432/", "loopback"],
    ["http://[::1]:5432/", "loopback"],
    ["http://[::ffff:127.0.0.1]/", "loopback"],
    ["http://169.254.169.254/latest/meta-data/", "link-local"],
    ["http://10.0.0.1/", "private"],
    ["http://192.168.0.10/", "private"],
    ["http://100.64.1.1/", "shared"],
    ["http://[fd00::1]/", "unique-local"],
    ["http://localhost:5432/", "loopback"],
  ])("refuses %s with 400 naming the url and why (%s)", async (url, kind) => {
    const res = await register(url);
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe("INVALID_INPUT");
    expect(body.error.message).toContain("url");
    expect(body.error.message).toContain(kind);
    expect(body.error.details).toMatchObject({ field: "url" });
  });

  it("caps webhooks per API key with 409, without affecting another key", async () => {
    expect((await register("http://93.184.215.14/a")).status).toBe(201);
    expect((await register("http://93.184.215.14/b")).status).toBe(201);
    const third = await register("http://93.184.215.14/c");
    expect(third.status).toBe(409);
    expect(((await third.json()) as ErrorBody).error.message).toContain("WEBHOOK_MAX_PER_KEY");
    expect((await register("http://93.184.215.14/d", "key-two")).status).toBe(201);
    // Deleting one frees a place.
    const keyOne = { headers: { "x-api-key": "key-one" } };
    const list = await ok(api(t.app).webhooks.$get({}, keyOne));
    const a = list.webhooks.find((w) => w.url === "http://93.184.215.14/a")!;
    const del = await api(t.app).webhooks[":id"].$delete({ param: { id: a.id } }, keyOne);
    expect(del.status).toBe(200);
    expect((await register("http://93.184.215.14/e")).status).toBe(201);
  });
});

describe("webhook registration for local development", () => {
  it("WEBHOOK_ALLOW_PRIVATE=true accepts a loopback receiver", async () => {
    const t = await buildTestApp("pglite", { WEBHOOK_ALLOW_PRIVATE: "true" });
    try {
      const res = await api(t.app).webhooks.$post({ json: { url: "http://127.0.0.1:9999/hook" } });
      expect(res.status).toBe(201);
    } finally {
      await t.close();
    }
  });
});
