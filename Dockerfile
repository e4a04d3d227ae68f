# aws-credd as a sidecar: build the package, then install only its production
# dependencies from the packed tarball (the same steps the tests run without Docker).
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY config.example.json README.md ./
COPY systemd ./systemd
RUN npm run build && mkdir /out && npm pack --pack-destination /out

FROM node:20-bookworm-slim
COPY --from=build /out/ /tmp/pkg/
# Production dependencies only (the optional systemd-notify addon is skipped: no systemd here).
RUN npm install --global --omit=dev --omit=optional --no-audit --no-fund /tmp/pkg/aws-credd-*.tgz && rm -rf /tmp/pkg /root/.npm \
 && mkdir -p /run/credd && chown node:node /run/credd && chmod 700 /run/credd
# The node image's unprivileged user; mount ~/.aws at /home/node/.aws and the config at /config.
USER node
ENV HOME=/home/node \
    XDG_RUNTIME_DIR=/run/credd \
    AWS_CREDD_SERVER_LISTEN=0.0.0.0:9911
WORKDIR /home/node
VOLUME ["/home/node/.aws", "/config"]
# The container endpoint, for a neighbour container (put server.tokenFile on a shared volume).
EXPOSE 9911
# Healthy while the daemon answers on its control socket (status exits 3 when it does not).
HEALTHCHECK --interval=30s --timeout=5s CMD ["sh", "-c", "aws-credd status >/dev/null 2>&1; test $? -ne 3"]
ENTRYPOINT ["aws-credd"]
CMD ["run", "--config", "/config/config.json"]
