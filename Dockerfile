# certplan container image: a build stage that compiles certplan on Debian 12
# and a slim runtime stage with only the binary and its shared libraries.
#
#   docker build -t certplan .
#   docker run --rm -v "$PWD/config:/etc/certplan:ro" certplan validate
#
# docs/deployment.md lists the volumes and how to run plan and apply.

FROM debian:bookworm-slim AS build

# Parallel compile jobs; empty means one per processor (scripts/build.sh).
ARG JOBS=

WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN bash scripts/install-deps.sh build && rm -rf /var/lib/apt/lists/*

COPY . .
RUN BUILD_DIR=/src/build JOBS="${JOBS:-$(nproc)}" bash scripts/build.sh \
      -DCMAKE_BUILD_TYPE=Release -DCERTPLAN_TESTS=OFF -DCERTPLAN_E2E_TESTS=OFF \
    && strip build/certplan

FROM debian:bookworm-slim AS runtime

# The shared libraries certplan links against, and the CA bundle that the
# ACME client, the IONOS client and the HTTPS check use. certplan speaks SSH
# through libssh, so no ssh client is needed.
RUN apt-get update -q \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
         libssl3 libyaml-cpp0.7 libssh-4 libcurl4 libldns3 libidn2-0 \
         libspdlog1.10 libfmt9 ca-certificates \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 certplan \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/certplan \
         --no-create-home --shell /usr/sbin/nologin certplan \
    && mkdir -p /etc/certplan /var/lib/certplan /var/log/certplan /run/secrets/ssh \
    && chown certplan:certplan /var/lib/certplan /var/log/certplan /run/secrets/ssh \
    && chmod 0700 /var/lib/certplan /run/secrets/ssh

COPY --from=build /src/build/certplan /usr/local/bin/certplan

# /etc/certplan: servers.yaml, domains.yaml and .env (mount read-only).
# /var/lib/certplan: certificate store, ACME account and apply journal.
# /var/log/certplan: log file when LOG_FILE_PATH points there.
# /run/secrets/ssh: SSH private key and known_hosts (mount read-only). It is
# owned by certplan so a CI job without a mount can write the key there.
VOLUME ["/etc/certplan", "/var/lib/certplan", "/var/log/certplan", "/run/secrets/ssh"]

USER 10001:10001
WORKDIR /etc/certplan
ENTRYPOINT ["certplan"]
CMD ["plan"]
