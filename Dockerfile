# One image for both Hookway processes; docker-compose.yml runs it as the gateway and the worker.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
RUN npx tsc -p tsconfig.json && node dist/src/build-workflow-bundle.js && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
# The compiled code only: no tests, source maps of tests or build info.
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/workflows ./dist/workflows
COPY --from=build /app/dist/activities ./dist/activities
# Workers load the workflows bundled at build time rather than bundling them at each start.
COPY --from=build /app/dist/workflow-bundle.js ./dist/workflow-bundle.js
# The gateway serves the dashboard's static files from here (/dashboard).
COPY dashboard ./dashboard
# The studio offers these as starting points for a new campaign.
COPY examples ./examples
# Not root: a process that is broken into gets the image's unprivileged user only.
USER node
EXPOSE 3000
CMD ["node", "dist/src/gateway-main.js"]
