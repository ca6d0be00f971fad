# syntax=docker/dockerfile:1
# The launcher image: multi-stage, JRE 21, non-root, read-only-root-filesystem friendly.
# Build: docker build -t nexus-gateway .   Run: docker run -p 8080:8080 -v $PWD/conf:/etc/nexus:ro nexus-gateway

# Build stage: the same Maven build as CI, tests left to CI.
FROM maven:3.9.9-eclipse-temurin-21 AS build
WORKDIR /src
COPY pom.xml ./
COPY gateway-webapp/pom.xml gateway-webapp/
COPY gateway-launcher/pom.xml gateway-launcher/
COPY delivery/pom.xml delivery/
COPY benchmarks/pom.xml benchmarks/
COPY conf conf
COPY gateway-webapp/src gateway-webapp/src
COPY gateway-launcher/src gateway-launcher/src
RUN mvn -B -ntp -q -DskipTests -pl gateway-launcher -am package

# Run stage: a JRE only, on the tag of its line (21), which moves to each new patch release:
# a rebuild picks up the JRE's security fixes (a pinned patch such as 21.0.5_11 went stale).
FROM eclipse-temurin:21-jre-noble
RUN groupadd --system --gid 10001 nexus \
 && useradd --system --uid 10001 --gid nexus --home-dir /nonexistent --shell /usr/sbin/nologin nexus \
 && mkdir -p /etc/nexus /var/lib/nexus \
 && chown nexus:nexus /var/lib/nexus
COPY --from=build /src/gateway-launcher/target/nexus-gateway.jar /opt/nexus/nexus-gateway.jar
COPY conf/gateway.conf /etc/nexus/gateway.conf
# Container-aware heap (a share of the memory limit), and a clean exit instead of limping on OOM.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75.0 -XX:+ExitOnOutOfMemoryError" \
    NEXUS_CONFIG=/etc/nexus/gateway.conf \
    NEXUS_LAST_KNOWN_GOOD=/var/lib/nexus/last-known-good.conf
USER 10001:10001
# 8080: traffic; 9090: probes, metrics and the admin API (bind nexus.admin.host to 0.0.0.0 to reach it).
EXPOSE 8080 9090
ENTRYPOINT ["java", "-jar", "/opt/nexus/nexus-gateway.jar"]
