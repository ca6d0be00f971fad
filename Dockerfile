# syntax=docker/dockerfile:1
# The launcher image: multi-stage, JRE 25, non-root, read-only-root-filesystem friendly, with an
# AOT cache built at image build time. No HEALTHCHECK: Kubernetes probes /healthz and /readyz.
# Build: docker build -t nexus-gateway .   Run: docker run -p 8080:8080 -v $PWD/conf:/etc/nexus:ro nexus-gateway

# Build stage: the same Maven build as CI, tests left to CI; JDK 25, compiling for release 21.
FROM maven:3.9.11-eclipse-temurin-25 AS build
WORKDIR /src
COPY pom.xml ./
COPY gateway-spi/pom.xml gateway-spi/
COPY examples/plugin-header-stamp/pom.xml examples/plugin-header-stamp/
COPY gateway-webapp/pom.xml gateway-webapp/
COPY gateway-launcher/pom.xml gateway-launcher/
COPY delivery/pom.xml delivery/
COPY benchmarks/pom.xml benchmarks/
COPY conf conf
# The plugin SPI, and the example plugin the webapp's and launcher's tests use (a test-scoped
# dependency, which the reactor still resolves).
COPY gateway-spi/src gateway-spi/src
COPY examples/plugin-header-stamp/src examples/plugin-header-stamp/src
COPY gateway-webapp/src gateway-webapp/src
COPY gateway-launcher/src gateway-launcher/src
# No AOT cache here (-Dnexus.aot.skip): a cache serves only the JVM that wrote it, so the run
# stage trains its own with its JRE.
RUN mvn -B -ntp -q -DskipTests -Dnexus.aot.skip -pl gateway-launcher -am package

# Run stage: a JRE only, JDK 24+ for the virtual-thread gauges, on the tag of its line (25), which
# moves to each new patch release: a rebuild picks up the JRE's security fixes. The pipeline's
# image stage records the digest it resolved (scripts/ci/image.sh).
FROM eclipse-temurin:25-jre-noble
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN groupadd --system --gid 10001 nexus \
 && useradd --system --uid 10001 --gid nexus --home-dir /nonexistent --shell /usr/sbin/nologin nexus \
 && mkdir -p /etc/nexus /var/lib/nexus \
 && chown nexus:nexus /var/lib/nexus
COPY --from=build /src/gateway-launcher/target/nexus-gateway.jar /opt/nexus/nexus-gateway.jar
COPY conf/gateway.conf /etc/nexus/gateway.conf
# AOT cache (JEP 483/514/515), trained as the Maven build trains its own: `aot-training` starts the
# gateway on the bundled default config (free loopback ports) and sends 8,000 requests through
# its request path (proxied GET, POST and HEAD, a 404, probes, a scrape), then stops; the JVM
# writes the classes it loaded and linked and the method profiles of that traffic, with which
# the JIT compiles the request path early. docs/performance.md, "Start-up": ready in about half
# the time. A new jar invalidates this layer, so the cache is always trained on the jar it
# serves (JDK 25.0.3 would not notice a stale one: JDK-8377932).
RUN java -XX:AOTCacheOutput=/opt/nexus/nexus.aot -jar /opt/nexus/nexus-gateway.jar aot-training >/tmp/aot-training.log 2>&1 \
      || { tail -n 40 /tmp/aot-training.log; exit 1; }; \
    grep 'nexus aot-training:' /tmp/aot-training.log; rm /tmp/aot-training.log; \
    test -s /opt/nexus/nexus.aot
# Container-aware heap (a share of the memory limit), a clean exit instead of limping on OOM, and
# the AOT cache (ignored with a warning, never fatal, if it does not match the JVM).
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75.0 -XX:+ExitOnOutOfMemoryError -XX:AOTCache=/opt/nexus/nexus.aot" \
    NEXUS_CONFIG=/etc/nexus/gateway.conf \
    NEXUS_LAST_KNOWN_GOOD=/var/lib/nexus/last-known-good.conf
USER 10001:10001
# 8080: traffic; 9090: probes, metrics and the admin API (bind nexus.admin.host to 0.0.0.0 to reach it).
EXPOSE 8080 9090
ENTRYPOINT ["java", "-jar", "/opt/nexus/nexus-gateway.jar"]
