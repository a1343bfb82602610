# syntax=docker/dockerfile:1.7
# One image for the four apps. APP (or the first argument) picks the app:
#   docker build -t idstream .
#   docker run --rm -e APP=gateway -p 3000:3000 idstream
#   docker run --rm idstream auth
# Any other command runs as given (`docker run --rm -it idstream sh`).
# docker-compose.yml runs the whole system with Kafka and PostgreSQL.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: compile every app and lib with tsc (type errors fail the build) ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# Compiled tests and tsc's incremental state do not ship.
RUN npm run build \
 && rm -rf dist/test dist/.tsbuildinfo \
 && find dist \( -name '*.spec.js' -o -name '*.spec.js.map' \
                 -o -name '*.int-spec.js' -o -name '*.int-spec.js.map' \
                 -o -name '*.e2e-spec.js' -o -name '*.e2e-spec.js.map' \) -delete

# ---- runtime: production dependencies, compiled output, alias hook, event schemas ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    BIND_HOST=0.0.0.0
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Maps the @idstream/<lib> aliases to dist/libs/<lib>/src/index.js at require time.
COPY scripts/register-aliases.cjs ./scripts/register-aliases.cjs
# The node flags every app runs with (heap limits; NODE_OPTIONS can override each one).
COPY scripts/app-node-flags.cjs ./scripts/app-node-flags.cjs
# libs/contracts finds its JSON Schemas by walking up from dist/ to libs/contracts/schemas.
COPY libs/contracts/schemas ./libs/contracts/schemas
# auth writes mails as .eml files into .data/mail when SMTP_URL is unset.
RUN mkdir -p .data/mail && chown -R node:node .data

COPY --chmod=0755 <<'EOF' /usr/local/bin/idstream
#!/bin/sh
# Runs the app named by $1 or $APP (with the node flags of scripts/app-node-flags.cjs); any
# other command is run as given.
set -e
app="${1:-$APP}"
if [ -n "$app" ] && [ -f "/app/dist/apps/$app/src/main.js" ]; then
  flags="$(node scripts/app-node-flags.cjs)"
  # shellcheck disable=SC2086 # one word per flag
  exec node $flags -r ./scripts/register-aliases.cjs "dist/apps/$app/src/main.js"
fi
if [ "$#" -gt 0 ]; then exec "$@"; fi
echo "idstream: set APP (or pass it as the command) to one of: $(ls /app/dist/apps | tr '\n' ' ')" >&2
exit 64
EOF

USER node
# gateway 3000; auth 3001 (HTTP) and 4001 (TCP); profile-projector 3002 and 4002; tracking-ingester 3003.
EXPOSE 3000 3001 3002 3003 4001 4002
# Nest's shutdown hooks drain consumers on SIGTERM; node is PID 1 through `exec`.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/idstream"]
CMD []
