# The production image: compiled JavaScript, production dependencies only. One image runs the API
# (`node dist/server.js`) or a worker (`node dist/worker.js`).
FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV AUTOPILOT_SKIP_SETUP=1
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production AUTOPILOT_SKIP_SETUP=1 HOST=0.0.0.0 PORT=3000
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
USER node
EXPOSE 3000
CMD ["node", "dist/server.js"]
