import { describe, expect, it } from "vitest";
import { blockedAddressReason, checkWebhookTarget, type ResolveHost, TargetRefused } from "./webhook-target";

const noDns: ResolveHost = async () => {
  throw new Error("no DNS in this test");
};
const refusal = async (url: string, resolve: ResolveHost = noDns): Promise<string | null> => {
  try {
    await checkWebhookTarget(url, { allowPrivate: false, resolve });
    return null;
  } catch (e) {
    if (e instanceof TargetRefused) return e.reason;
    throw e;
  }
};

describe("webhook targets", () => {
  it.each([
    ["http://127.0.0.1/", "loopback"],
    ["http://127.9.9.9:8080/", "loopback"],
    // Numeric forms: the WHATWG URL parser turns them into 127.0.0.1 before the check sees them.
    ["http://0x7f000001/", "loopback"],
    ["http://2130706433/", "loopback"],
    ["http://0177.0.0.1/", "loopback"],
    ["http://127.1/", "loopback"],
    ["http://[::1]:5432/", "loopback"],
    ["http://169.254.169.254/latest/meta-data/", "link-local"],
    ["http://10.1.2.3/", "private"],
    ["http://172.16.0.1/", "private"],
    ["http://172.31.255.255/", "private"],
    ["http://192.168.1.1/", "private"],
    ["http://100.64.0.1/", "shared"],
    ["http://100.127.255.255/", "shared"],
    ["http://0.0.0.0/", "unspecified"],
    ["http://0.1.2.3/", "unspecified"],
    ["http://[::]/", "unspecified"],
    ["http://224.0.0.1/", "multicast"],
    ["http://255.255.255.255/", "reserved"],
    ["http://[fc00::1]/", "unique-local"],
    ["http://[fd12:3456::1]/", "unique-local"],
    ["http://[fe80::1]/", "link-local"],
    ["http://[ff02::1]/", "multicast"],
    ["http://[::ffff:127.0.0.1]/", "loopback"],
    ["http://[::ffff:a9fe:a9fe]/", "link-local"],
    ["http://[::ffff:10.0.0.1]/", "private"],
    ["http://[64:ff9b::7f00:1]/", "loopback"],
  ])("refuses %s (%s)", async (url, kind) => {
    expect(await refusal(url)).toContain(kind);
  });

  it.each([
    "http://8.8.8.8/hook",
    "https://93.184.215.14:8443/x",
    "http://172.32.0.1/",
    "http://100.128.0.1/",
    "http://[2606:4700:4700::1111]/",
    "http://[::ffff:8.8.8.8]/",
  ])("accepts the public address %s", async (url) => {
    expect(await refusal(url)).toBeNull();
  });

  it("refuses other schemes, credentials and hosts that do not resolve", async () => {
    expect(await refusal("ftp://8.8.8.8/")).toBe("only http and https URLs");
    expect(await refusal("file:///etc/passwd")).toBe("only http and https URLs");
    expect(await refusal("http://user:pw@8.8.8.8/")).toBe("credentials in the URL");
    expect(await refusal("http://nowhere.invalid/")).toBe("host does not resolve");
  });

  it("resolves a host name and refuses it when any of its addresses is internal", async () => {
    const resolve = async (host: string) =>
      host === "mixed.example"
        ? [
            { address: "93.184.215.14", family: 4 },
            { address: "10.0.0.7", family: 4 },
          ]
        : [{ address: "93.184.215.14", family: 4 }];
    expect(await refusal("http://mixed.example/", resolve)).toContain("private address (10.0.0.0/8)");
    const ok = await checkWebhookTarget("https://fine.example/hook", { allowPrivate: false, resolve });
    expect(ok).toMatchObject({ address: "93.184.215.14", family: 4 });
    expect(ok.url.hostname).toBe("fine.example");
  });

  it("WEBHOOK_ALLOW_PRIVATE lets local development target loopback", async () => {
    const t = await checkWebhookTarget("http://127.0.0.1:9/x", { allowPrivate: true });
    expect(t.address).toBe("127.0.0.1");
  });

  it("judges raw addresses by range, not by prefix text", () => {
    expect(blockedAddressReason("172.15.255.255")).toBeNull();
    expect(blockedAddressReason("169.253.0.1")).toBeNull();
    expect(blockedAddressReason("fe7f::1")).toBeNull();
    expect(blockedAddressReason("fec0::1")).toContain("site-local");
    expect(blockedAddressReason("not-an-ip")).toBe("not an IP address");
  });
});
