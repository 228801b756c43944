# One image recipe for every service; the process is chosen by APP and ENTRY (build args that
# become environment defaults, so one built image can also run any of them: `-e APP=… -e ENTRY=…`).
#   docker build --build-arg APP=gateway -t trusted-devices/gateway .
# APP:   gateway | device-service | verification-service | notification-service
# ENTRY: main.js (default), worker.js (device-service's deprovisioning worker) or migrate.js
# BASE_IMAGE: any Debian-based image with Node.js 20 and npm at /usr/local (the official one by
#   default); `npm run containers` passes a locally built one where no registry can be reached.
ARG BASE_IMAGE=node:20-bookworm-slim

# ---- everything needed to build (dev dependencies included)
FROM ${BASE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts

FROM deps AS build
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY libs ./libs
COPY apps ./apps
# Production code only (tsconfig.build.json: no specs, no test support, no bench) and the web app.
RUN npm run build

# ---- what runs: production dependencies only
FROM ${BASE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && rm -rf /root/.npm

FROM ${BASE_IMAGE} AS runtime
# tini as PID 1: forwards SIGTERM to node (graceful drain) and reaps zombies. npm/corepack are
# not needed at run time: removed (smaller image, less to patch).
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
    /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /opt/yarn* /usr/local/bin/yarn /usr/local/bin/yarnpkg \
 && (id -u node >/dev/null 2>&1 || useradd --uid 1000 --user-group --create-home --shell /usr/sbin/nologin node)
ARG APP=gateway
ARG ENTRY=main.js
# HEALTH_PORT: the probe port of the bus services and the worker (the gateway answers on PORT).
ENV NODE_ENV=production APP=${APP} ENTRY=${ENTRY} PORT=3000 HEALTH_PORT=8081
WORKDIR /app
# Root-owned and read-only for the `node` user that runs the process.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/apps/web/dist ./apps/web/dist
COPY package.json ./
USER node
EXPOSE 3000 8081
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "const e=process.env,p=e.APP==='gateway'?e.PORT:e.HEALTH_PORT;fetch('http://127.0.0.1:'+p+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["sh", "-c", "exec node dist/apps/${APP}/src/${ENTRY}"]
