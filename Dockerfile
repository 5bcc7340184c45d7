# The production image: compiled JavaScript, production dependencies only, the workflow bundle prebuilt. One
# image runs the API (`node dist/server.js`), a worker (`node dist/worker.js`) or a command
# (`node dist/cli/create-user.js`, `node dist/cli/api-keys.js`, `node dist/cli/rotate-secrets.js`).
FROM node:22-bookworm-slim AS build
WORKDIR /app
# `npm ci` runs the postinstall step (scripts/setup.ts), which must exist; AUTOPILOT_SKIP_SETUP=1 skips what it
# would fetch (the Temporal CLI and test server, Chromium: development tools only).
ENV AUTOPILOT_SKIP_SETUP=1
COPY package.json package-lock.json ./
COPY scripts/setup.ts ./scripts/setup.ts
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/bundle-workflows.ts ./scripts/bundle-workflows.ts
# dist/ from src/, and dist/workflow-bundle.js: the workflow code bundled once here instead of at every worker start
RUN npm run build && npm run build:workflows

FROM node:22-bookworm-slim
# The worker's Temporal connection (the Rust core) verifies TLS servers against the system's CA store
# (/etc/ssl/certs), which the slim image lacks: Temporal Cloud and TLS clusters need it.
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production AUTOPILOT_SKIP_SETUP=1 HOST=0.0.0.0 PORT=3000 \
  AUTOPILOT_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js
COPY package.json package-lock.json ./
COPY scripts/setup.ts ./scripts/setup.ts
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
USER node
EXPOSE 3000
CMD ["node", "dist/server.js"]
