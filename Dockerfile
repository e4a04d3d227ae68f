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
RUN npm install --global --omit=dev --no-audit --no-fund /tmp/pkg/aws-credd-*.tgz && rm -rf /tmp/pkg /root/.npm
# The node image's unprivileged user; mount ~/.aws at /home/node/.aws and the config at /config.
USER node
ENV HOME=/home/node
WORKDIR /home/node
VOLUME ["/home/node/.aws", "/config"]
ENTRYPOINT ["aws-credd"]
CMD ["run", "--config", "/config/config.json"]
