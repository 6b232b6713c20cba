/**
 * Docker cannot run here, so the compose file, the Dockerfile and the balancer config are checked for what
 * the production topology promises: valid YAML with compose's interpolation, the services it needs, no
 * database or Redis port published, API keys required, DEMO=on reaching Postgres through the migrate job,
 * a node environment the server accepts, a non-root image with a health check on production deps only.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadEnv } from "../../server/src/env";
import { engines, openTestDb } from "../support/db";
import { buildServer } from "../support/processes";

const root = join(import.meta.dirname, "..", "..");
const read = (p: string) => readFileSync(join(root, p), "utf8");

/** Compose's variable interpolation: `${X}`, `${X:-default}`, `${X:?error}`, `$$` for a literal `$`. */
function interpolate(value: unknown, env: Record<string, string>): unknown {
  if (typeof value === "string") {
    return value.replace(/\$\$|\$\{([A-Z_][A-Z0-9_]*)(?::([-?])([^}]*))?\}/g, (m, name, op, arg) => {
      if (m === "$$") return "$";
      const v = env[name as string];
      if (op === "?" && !v) throw new Error(`required variable ${name} is missing a value: ${arg}`);
      if (op === "-" && !v) return arg as string;
      return v ?? "";
    });
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, env));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env)]));
  return value;
}

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  ports?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
}

const compose = (env: Record<string, string>) =>
  interpolate(parse(read("docker-compose.yml"), { merge: true }), env) as {
    services: Record<string, Service>;
  };

const REQUIRED = { API_KEYS: "k1,k2", POSTGRES_PASSWORD: "secret" };

describe("docker-compose.yml", () => {
  it("refuses to start without API keys or a database password", () => {
    expect(() => compose({ POSTGRES_PASSWORD: "secret" })).toThrow(/API_KEYS/);
    expect(() => compose({ API_KEYS: "k1" })).toThrow(/POSTGRES_PASSWORD/);
  });

  it("runs Postgres, Redis, a one-shot migrate job, two app nodes and a balancer; only the balancer is published", () => {
    const { services } = compose(REQUIRED);
    expect(Object.keys(services).sort()).toEqual(["app1", "app2", "lb", "migrate", "postgres", "redis"]);
    for (const name of ["postgres", "redis", "migrate", "app1", "app2"])
      expect(services[name]?.ports).toBeUndefined();
    expect(services.lb?.ports).toEqual(["8000:8000"]);
    expect(services.lb?.image).toMatch(/^haproxy:/);
    expect(services.lb?.volumes).toContain("./deploy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro");
    expect(services.migrate?.command).toEqual(["sh", "deploy/migrate.sh"]);
    expect(services.migrate?.depends_on?.postgres?.condition).toBe("service_healthy");
  });

  it("gives each node an environment the server accepts: Postgres, Redis, keys, every interface", () => {
    const { services } = compose(REQUIRED);
    for (const name of ["app1", "app2"]) {
      const s = services[name] as Service;
      expect(s.build).toBe(".");
      expect(s.depends_on?.migrate?.condition).toBe("service_completed_successfully");
      const env = loadEnv(s.environment ?? {});
      expect(env.API_KEYS).toEqual(["k1", "k2"]);
      expect(env.DATABASE_URL).toBe("postgres://smt:secret@postgres:5432/smart_money");
      expect(env.REDIS_URL).toBe("redis://redis:6379");
      expect(env.HOST).toBe("0.0.0.0");
      expect(env.DEMO).toBe("off");
    }
    // One feed for the cluster.
    expect(loadEnv(compose({ ...REQUIRED, FEED: "demo" }).services.app1?.environment ?? {}).FEED).toBe(
      "demo",
    );
    expect(loadEnv(compose({ ...REQUIRED, FEED: "demo" }).services.app2?.environment ?? {}).FEED).toBe(
      "none",
    );
  });

  it("passes DEMO=on to the migrate job", () => {
    const env = compose({ ...REQUIRED, DEMO: "on" }).services.migrate?.environment ?? {};
    expect(env.DEMO).toBe("on");
    expect(env.DATABASE_URL).toContain("@postgres:5432/");
  });

  it.skipIf(!engines().includes("postgres"))(
    "its migrate job (deploy/migrate.sh, built CLI) runs migrate, and with DEMO=on loads demo data into Postgres",
    async () => {
      const build = await buildServer();
      const db = await openTestDb("postgres");
      try {
        const run = (env: Record<string, string>) =>
          execFileSync("sh", [join(root, "deploy/migrate.sh")], {
            cwd: root,
            encoding: "utf8",
            env: {
              ...process.env,
              SMT_CLI: build.cli,
              DATABASE_URL: db.url ?? "",
              LOG_LEVEL: "warn",
              ...env,
            },
          });
        run({ DEMO: "off" });
        const count = async () =>
          Number(
            (await db.query<{ n: string }>(sql`select count(*) as n from prints where symbol = 'DEMOZ'`))[0]
              ?.n,
          );
        expect(await count()).toBe(0);
        run({ DEMO: "on", DEMO_SYMBOLS: "DEMOZ", DEMO_DAYS: "1" });
        expect(await count()).toBeGreaterThan(0);
      } finally {
        await db.close();
        build.remove();
      }
    },
  );
});

describe("deploy/haproxy.cfg", () => {
  const cfg = read("deploy/haproxy.cfg");

  it("balances over every app node with a sticky cookie, health checks and WebSocket tunnels", () => {
    const { services } = compose(REQUIRED);
    const apps = Object.keys(services).filter((s) => s.startsWith("app"));
    for (const app of apps)
      expect(cfg).toMatch(new RegExp(`server ${app} ${app}:8000 check .*cookie ${app}`));
    expect(cfg).toMatch(/cookie SMTNODE insert indirect nocache/);
    expect(cfg).toMatch(/uri \/health/);
    expect(cfg).toMatch(/timeout tunnel/);
    expect(cfg).toMatch(/option redispatch/);
  });

  it.skipIf(!existsSync("/usr/sbin/haproxy"))("is a valid HAProxy configuration", () => {
    // Node names only resolve on the compose network; `haproxy -c` warns about that and still validates.
    const out = execFileSync("haproxy", ["-c", "-f", join(root, "deploy/haproxy.cfg")], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    expect(out).toContain("Configuration file is valid");
  });
});

describe("Dockerfile", () => {
  const text = read("Dockerfile");
  const stages = text.split(/^FROM /m).slice(1);
  const runtime = stages.at(-1) ?? "";

  it("builds in one stage and runs the bundle on production dependencies in another", () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    expect(text).toMatch(/RUN pnpm build/);
    expect(text).toMatch(/install --frozen-lockfile --prod/);
    expect(runtime).toMatch(/COPY --from=prod-deps \/app\/node_modules/);
    expect(runtime).not.toMatch(/COPY --from=build \/app\/node_modules/);
    expect(runtime).toMatch(/CMD \["node", .*"server\/dist\/main\.js"\]/);
    // The files the bundle reads next to it, and the migrate script, exist to be copied.
    for (const src of ["server/data", "db/migrations", "deploy/migrate.sh"]) {
      expect(runtime).toContain(`COPY ${src}`);
      expect(existsSync(join(root, src))).toBe(true);
    }
  });

  it("runs as a non-root user with a health check on /health", () => {
    const user = /^USER (\S+)/m.exec(runtime)?.[1];
    expect(user).toBeDefined();
    expect(["root", "0"]).not.toContain(user);
    expect(runtime).toMatch(/HEALTHCHECK[\s\S]*\/health/);
  });
});
