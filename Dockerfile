# quorumkv container image.
#   docker build -t quorumkv:0.1.0 .
#   docker run -p 8080:8080 -v quorumkv-data:/data quorumkv:0.1.0
# Extra JVM flags: -e JAVA_TOOL_OPTIONS="...". Node settings: QUORUMKV_* env vars (see README).
#
# src/test/java/dev/quorumkv/deploy/ImageLayoutIntegrationTests replays the extract step, the
# COPY lines of the runtime stage, its ENV lines and the ENTRYPOINT below on the built jar,
# so keep them in this one-instruction-per-line form.
#
# The base images are build arguments; the defaults are the public ones. Where no registry can be
# reached, bin/container-engine builds local Debian bookworm bases with the same tools:
#   podman build --network=host --build-arg BUILD_BASE=localhost/quorumkv-base-jdk:17 \
#       --build-arg RUNTIME_BASE=localhost/quorumkv-base-jre:17 -t quorumkv:0.1.0 .
ARG BUILD_BASE=eclipse-temurin:17-jdk-noble
ARG RUNTIME_BASE=eclipse-temurin:17-jre-noble

FROM ${BUILD_BASE} AS build
WORKDIR /src
# Dependencies first: this layer is rebuilt only when the pom changes, not on every source edit.
# Maven works offline here when the host's repository is mounted at /root/.m2 and holds everything
# (podman build --network=none -v ~/.m2:/root/.m2 ...), else it downloads from the registry;
# bin/container-engine image tries both, in that order.
COPY mvnw pom.xml ./
COPY .mvn/ .mvn/
RUN ./mvnw --batch-mode --quiet dependency:go-offline
COPY src/ src/
# Tests run in CI, not in the image build (and src/test is not in the build context).
RUN ./mvnw --batch-mode --quiet -Dmaven.test.skip=true package \
    && cp target/quorumkv-*.jar app.jar
# Boot's layered layout: libraries change less often than our classes, so each gets its own layer.
RUN java -Djarmode=tools -jar app.jar extract --layers --launcher --destination extracted

FROM ${RUNTIME_BASE}
# The Helm chart's scale-down hook Job runs this image with a POSIX sh script (helm/quorumkv/files/
# scale-down): curl (already in the base) calls the admin API, jq reads its JSON. `java Script.java`
# needs jdk.compiler, which a JRE image need not have; and JSON is not for sed.
# Installed only when the base lacks them (the local bases have both), so that this stage needs
# no package mirror then.
RUN if ! command -v curl >/dev/null || ! command -v jq >/dev/null; then \
      apt-get update \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl jq \
      && rm -rf /var/lib/apt/lists/*; \
    fi
# A fixed numeric uid/gid so Kubernetes' runAsNonRoot/fsGroup can be checked against it.
RUN groupadd --system --gid 10001 quorumkv \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin quorumkv \
    && mkdir -p /data \
    && chown 10001:10001 /data
WORKDIR /app
COPY --from=build /src/extracted/dependencies/ ./
COPY --from=build /src/extracted/spring-boot-loader/ ./
COPY --from=build /src/extracted/snapshot-dependencies/ ./
COPY --from=build /src/extracted/application/ ./
ENV QUORUMKV_STORAGE_DIR=/data
VOLUME ["/data"]
USER 10001:10001
EXPOSE 8080
# Heap at 50% of the container's memory limit: RocksDB's memtables and block cache live
# off-heap, next to metaspace and thread stacks. Exit on OOM so the orchestrator restarts us
# rather than leaving a half-broken JVM serving.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=50.0", "-XX:+ExitOnOutOfMemoryError", "org.springframework.boot.loader.launch.JarLauncher"]
