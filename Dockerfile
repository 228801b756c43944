# One image recipe for every service; the app is chosen with --build-arg APP=…
#   docker build --build-arg APP=gateway -t trusted-devices/gateway .
# APP: gateway | device-service | verification-service | notification-service
# ENTRY: main.js (default), worker.js (device-service's deprovisioning worker) or migrate.js

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM deps AS build
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY libs ./libs
COPY apps ./apps
COPY bench ./bench
RUN npm run build

FROM node:20-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ARG APP=gateway
ARG ENTRY=main.js
ENV NODE_ENV=production APP=${APP} ENTRY=${ENTRY}
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/apps/web/dist ./apps/web/dist
COPY package.json ./
USER node
EXPOSE 3000
CMD ["sh", "-c", "exec node dist/apps/${APP}/src/${ENTRY}"]
