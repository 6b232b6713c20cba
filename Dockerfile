# syntax=docker/dockerfile:1
# Production image: build with the whole workspace, run the bundle with plain node on production
# dependencies only, as an unprivileged user. `docker compose up` uses it (docs/operations.md).

FROM node:20-bookworm-slim AS base
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH CI=true
# The pnpm version pinned by package.json's packageManager.
RUN corepack enable
WORKDIR /app

# 1. Everything needed to build: all dependencies, then `pnpm build` (dashboard + server bundle).
FROM base AS build
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json ./
COPY patches patches/
COPY db/package.json db/
COPY server/package.json server/
COPY client/package.json client/
COPY test/package.json test/
RUN pnpm install --frozen-lockfile
COPY . .
RUN pnpm build

# 2. Production dependencies of the server (and of @smt/db, which the bundle inlines) only.
FROM base AS prod-deps
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json ./
COPY patches patches/
COPY db/package.json db/
COPY server/package.json server/
COPY client/package.json client/
COPY test/package.json test/
RUN pnpm --filter "@smt/server..." install --frozen-lockfile --prod

# 3. The runtime: the bundle, the files it reads next to it, and the production node_modules.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8000 DATA_DIR=/data
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=prod-deps /app/server/node_modules ./server/node_modules
COPY --from=prod-deps /app/db/node_modules ./db/node_modules
COPY package.json ./
COPY server/package.json ./server/
COPY db/package.json ./db/
COPY --from=build /app/server/dist ./server/dist
COPY server/data ./server/data
COPY db/migrations ./db/migrations
COPY --from=build /app/client/dist ./client/dist
COPY deploy/migrate.sh ./deploy/migrate.sh
# Writable only where the embedded database would live (unused with DATABASE_URL).
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM (docker stop) shuts down gracefully: see docs/operations.md "Upgrades".
STOPSIGNAL SIGTERM
CMD ["node", "--enable-source-maps", "server/dist/main.js"]
