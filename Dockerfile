# The desgw worker. On the DES machine the worker normally runs without Docker (see README,
# "Production"); this image serves the workflow side and sites mounted into the container.
FROM node:22-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx tsc -p tsconfig.json && node dist/scripts/build-workflow-bundle.js && npm prune --omit=dev
USER node
CMD ["node", "--max-old-space-size=192", "--max-semi-space-size=4", "dist/workers/main.js"]
