# foureyes in a container: a static (musl) binary, nothing else.
#
#   docker build -t foureyes .                  # the binary alone, on scratch (the default)
#   docker run --rm -v "$PWD:/work" -w /work foureyes review plan.json
#   docker build --target gitlab -t foureyes:gitlab .   # with a shell, for CI jobs that run scripts
#
# Both images run as the unprivileged user 65532 and hold the same binary, built here from
# this source with the locked dependencies. Base images are pinned by digest (the tag beside
# each is for the reader): bump both together, deliberately. `.ci/test-dockerfile` checks
# these properties and runs hadolint.

# Rust on Alpine: its host target is musl, so the binary is static without cross-compiling,
# on amd64 and arm64 alike (docker buildx --platform linux/amd64,linux/arm64).
FROM docker.io/library/rust:1.95.0-alpine3.23@sha256:606fd313a0f49743ee2a7bd49a0914bab7deedb12791f3a846a34a4711db7ed2 AS build
# musl's headers and C runtime, for the C and assembly of `ring` (TLS).
# hadolint ignore=DL3018
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY rulesets rulesets
COPY templates templates
COPY benches benches
# crt-static is musl's default; said here so that no environment can turn it off.
# Line tables dropped as in the release workflow (a quarter of the size).
ENV RUSTFLAGS="-C target-feature=+crt-static" \
    CARGO_PROFILE_RELEASE_STRIP=debuginfo \
    CARGO_TERM_COLOR=never
RUN cargo build --release --locked \
    && cp target/release/foureyes /foureyes

# For CI systems that run a job's script in the image (GitLab: `install: path`): a shell,
# and foureyes on PATH. Alpine's base also has the CA certificates both images use.
FROM docker.io/library/alpine:3.22.2@sha256:4b7ce07002c69e8f3d704a9c5d6fd3053be500b7f1c69fc0d80990c2ad8dd412 AS gitlab
COPY --from=build /foureyes /usr/local/bin/foureyes
USER 65532:65532
RUN ["foureyes", "--version"]

# The default image: the binary alone (and the CA certificates that verify GitHub's and
# GitLab's APIs), no shell, no package manager.
FROM scratch AS foureyes
COPY --from=gitlab /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /foureyes /foureyes
USER 65532:65532
# It runs with nothing beside it: no C library, no loader. A dynamic binary fails here.
RUN ["/foureyes", "--version"]
LABEL org.opencontainers.image.title="foureyes" \
      org.opencontainers.image.description="Reviews infrastructure changes for segregation of duties: who gains privilege, and who can hide it" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/foureyes/foureyes" \
      org.opencontainers.image.documentation="https://github.com/foureyes/foureyes#install"
WORKDIR /work
ENTRYPOINT ["/foureyes"]
