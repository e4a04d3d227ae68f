# aws-credd as a sidecar: build the package, then install only its production
# dependencies from the packed tarball (the same steps the tests run without Docker).
# Node 26 is the Active LTS line (since 2026-10-28; 24 and 22 are in maintenance, 20 reached its
# end of life in April 2026 and AWS SDK releases after January 2027 drop it). package.json still
# allows Node >= 20.19 for installs outside this image.
FROM node:26-trixie-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY config.example.json README.md ./
COPY docs ./docs
COPY systemd ./systemd
RUN npm run build && mkdir /out && npm pack --pack-destination /out

FROM node:26-trixie-slim
COPY --from=build /out/ /tmp/pkg/
# Production dependencies only (the optional systemd-notify addon is skipped: no systemd here).
RUN npm install --global --omit=dev --omit=optional --no-audit --no-fund /tmp/pkg/aws-credd-*.tgz && rm -rf /tmp/pkg /root/.npm \
 && mkdir -p /run/credd /shared && chown node:node /run/credd /shared && chmod 700 /run/credd && chmod 755 /shared
# The node image's unprivileged user; mount ~/.aws at /home/node/.aws and the config at /config.
USER node
# The app shares this container's network namespace (a pod, or compose's network_mode: service:…),
# so 127.0.0.1:9911 reaches it; the AWS SDKs accept only loopback for AWS_CONTAINER_CREDENTIALS_FULL_URI
# over http. AWS_CREDD_SERVER_LISTEN changes it if you really need another address.
ENV HOME=/home/node \
    XDG_RUNTIME_DIR=/run/credd \
    AWS_CREDD_SERVER_LISTEN=127.0.0.1:9911
WORKDIR /home/node
VOLUME ["/home/node/.aws", "/config"]
# Put server.tokenFile on a volume shared with the app (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE):
# /shared exists, owned by node, so a new named volume mounted there is writable by the daemon.
# Healthy while the daemon answers on its control socket (status exits 3 when it does not).
HEALTHCHECK --interval=30s --timeout=5s CMD ["sh", "-c", "aws-credd status >/dev/null 2>&1; test $? -ne 3"]
ENTRYPOINT ["aws-credd"]
CMD ["run", "--config", "/config/config.json"]
