package io.nexus.delivery;

import static io.nexus.delivery.Chart.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.nexus.gateway.config.ConfigLoader;
import io.nexus.gateway.config.GatewayConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** helm/nexus-gateway rendered and linted by the real Helm, checked object by object. */
class HelmChartTest {

    @Test
    void chartLintsStrictly() {
        LintResult lint = new Helm(Chart.DIR).lint().strict().call();
        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
    }

    @Test
    void defaultValuesRenderTheCoreObjectsOnly() {
        assertThat(Chart.render().kinds())
            .containsExactlyInAnyOrder("ConfigMap", "Service", "Service", "NetworkPolicy", "Deployment", "PodDisruptionBudget",
                "HorizontalPodAutoscaler");
    }

    private static List<Map<String, Object>> services(Chart.Rendered rendered) {
        return rendered.objects().stream().filter(o -> "Service".equals(o.get("kind"))).toList();
    }

    private static Map<String, Object> service(Chart.Rendered rendered, String component) {
        return services(rendered).stream()
            .filter(s -> component.equals(Chart.map(s, "metadata", "labels").get("app.kubernetes.io/component"))).findFirst().orElseThrow();
    }

    /** Issue 13, finding 5: port 9090 sat on the traffic Service, a LoadBalancer exposed it to the internet. */
    @Test
    void theAdminPortHasAClusterIpServiceOfItsOwnWhateverTheServiceType() {
        Chart.Rendered rendered = Chart.render(c -> c.set("service.type", "LoadBalancer").set("serviceMonitor.enabled", true));
        Map<String, Object> traffic = service(rendered, "traffic");
        assertThat(at(traffic, "spec", "type").toString()).isEqualTo("LoadBalancer");
        assertThat(Chart.list(traffic, "spec", "ports")).extracting(p -> (Object) ((Map<?, ?>) p).get("name")).containsExactly("http");
        Map<String, Object> admin = service(rendered, "admin");
        assertThat(at(admin, "spec", "type").toString()).isEqualTo("ClusterIP");
        assertThat(Chart.list(admin, "spec", "ports")).extracting(p -> (Object) ((Map<?, ?>) p).get("name")).containsExactly("admin");
        // Prometheus scrapes the admin Service, and only it.
        assertThat(Chart.map(rendered.one("ServiceMonitor"), "spec", "selector", "matchLabels"))
            .containsEntry("app.kubernetes.io/component", "admin");
    }

    /** Issue 13, finding 5: anyone in the cluster reached the admin port. */
    @Test
    void aNetworkPolicyLetsOnlyTheMonitoringNamespaceReachTheAdminPort() {
        Map<String, Object> policy = Chart.render(c -> c.set("networkPolicy.adminAccess.podSelectors[0].app", "ops-console"))
            .one("NetworkPolicy");
        List<Object> rules = Chart.list(policy, "spec", "ingress");
        assertThat(rules).hasSize(2);
        assertThat(at(rules.get(0), "ports", 0, "port").toString()).isEqualTo("http");
        assertThat(Chart.map(rules.get(0))).doesNotContainKey("from");
        assertThat(at(rules.get(1), "ports", 0, "port").toString()).isEqualTo("admin");
        assertThat(at(rules.get(1), "from", 0, "namespaceSelector", "matchLabels", "kubernetes.io/metadata.name").toString())
            .isEqualTo("monitoring");
        assertThat(at(rules.get(1), "from", 1, "podSelector", "matchLabels", "app").toString()).isEqualTo("ops-console");
        assertThat(Chart.render(c -> c.set("networkPolicy.enabled", false)).kinds()).doesNotContain("NetworkPolicy");
    }

    /** Issue 13, finding 5: the pod carried a service account token it never uses. */
    @Test
    void thePodMountsNoServiceAccountToken() {
        Map<String, Object> pod = Chart.map(Chart.render().one("Deployment"), "spec", "template", "spec");
        assertThat(pod.get("automountServiceAccountToken")).isEqualTo(false);
    }

    /**
     * Issue 13, finding 6: the chart renders all of {@code nexus} into a ConfigMap, so a secret had
     * to be written there in clear. Now it comes from a Secret through the environment or a
     * mounted file, and the config names it as {@code ${?VAR}}.
     */
    @Test
    void secretsReachTheGatewayThroughTheEnvironmentNeverTheConfigMap() throws Exception {
        String secret = "hmac-secret-that-lives-only-in-a-secret-0123456789";
        Chart.Rendered rendered = Chart.render(c -> c
            .set("extraEnv[0].name", "JWT_SECRET").set("extraEnv[0].valueFrom.secretKeyRef.name", "nexus-jwt")
            .set("extraEnv[0].valueFrom.secretKeyRef.key", "secret")
            .set("envFrom[0].secretRef.name", "nexus-secrets")
            .set("extraVolumes[0].name", "keys").set("extraVolumes[0].secret.secretName", "nexus-keys")
            .set("extraVolumeMounts[0].name", "keys").set("extraVolumeMounts[0].mountPath", "/etc/nexus/keys")
            .set("nexus.upstreams.api.targets[0]", "http://api.internal:8080")
            .set("nexus.routes[0].name", "api").set("nexus.routes[0].path", "/api").set("nexus.routes[0].upstream", "api")
            .set("nexus.routes[0].auth", "users")
            // Lines, not commas: --set reads a comma as the next key.
            .set("extraConfig", "nexus.auth.users {\n type = jwt\n algorithms = [HS256]\n hmac-secret = ${?JWT_SECRET}\n issuer = \"i\"\n}"));
        Map<String, Object> container = at(rendered.one("Deployment"), "spec", "template", "spec", "containers", 0);
        assertThat(Chart.list(container, "env")).anySatisfy(env -> assertThat(at(env, "valueFrom", "secretKeyRef", "name").toString())
            .isEqualTo("nexus-jwt"));
        assertThat(at(container, "envFrom", 0, "secretRef", "name").toString()).isEqualTo("nexus-secrets");
        assertThat(Chart.list(container, "volumeMounts")).anySatisfy(m -> assertThat(at(m, "mountPath").toString()).isEqualTo("/etc/nexus/keys"));
        String gatewayConf = at(rendered.one("ConfigMap"), "data", "gateway.conf");
        assertThat(gatewayConf).contains("hmac-secret = ${?JWT_SECRET}").doesNotContain(secret);
        assertThat(rendered.yaml()).doesNotContain(secret);
        // The pod's environment fills the substitution in: the gateway accepts the config with it.
        GatewayConfig config = ConfigLoader.parse(gatewayConf, "gateway.conf", Map.of("JWT_SECRET", secret));
        assertThat(config.routes()).singleElement().satisfies(route -> assertThat(route.auth()).isPresent());
        assertThat(config.redacted()).doesNotContain(secret);
    }

    @Test
    void redisForClusterLimitsComesFromValuesAndItsPasswordFromASecret() throws Exception {
        String password = "redis-password-that-lives-only-in-a-secret";
        Chart.Rendered rendered = Chart.render(c -> c
            .set("nexus.redis.uris[0]", "redis://redis-0.infra:6379").set("nexus.redis.uris[1]", "redis://redis-1.infra:6379")
            .set("nexus.redis.cluster", true).set("nexus.redis.timeout", "30ms")
            .set("redisPassword.existingSecret", "redis-auth")
            .set("nexus.upstreams.api.targets[0]", "http://api.internal:8080")
            .set("nexus.routes[0].name", "api").set("nexus.routes[0].path", "/api").set("nexus.routes[0].upstream", "api")
            .set("nexus.routes[0].rate-limit.requests", 100).set("nexus.routes[0].rate-limit.scope", "cluster"));
        Map<String, Object> container = at(rendered.one("Deployment"), "spec", "template", "spec", "containers", 0);
        assertThat(Chart.list(container, "env")).anySatisfy(env -> {
            assertThat(at(env, "name").toString()).isEqualTo("NEXUS_REDIS_PASSWORD");
            assertThat(at(env, "valueFrom", "secretKeyRef", "name").toString()).isEqualTo("redis-auth");
            assertThat(at(env, "valueFrom", "secretKeyRef", "key").toString()).isEqualTo("password");
        });
        // No Redis of the chart's own, and no password in anything it renders.
        assertThat(rendered.kinds()).doesNotContain("StatefulSet");
        assertThat(rendered.yaml()).doesNotContain(password);
        // The pod's environment fills nexus.redis.password (reference.conf: ${?NEXUS_REDIS_PASSWORD}) in.
        GatewayConfig config = ConfigLoader.parse(at(rendered.one("ConfigMap"), "data", "gateway.conf"), "gateway.conf",
            Map.of("NEXUS_REDIS_PASSWORD", password));
        assertThat(config.routes().get(0).rateLimit().orElseThrow().redis()).hasValueSatisfying(redis -> {
            assertThat(redis.uris()).hasToString("[redis://redis-0.infra:6379, redis://redis-1.infra:6379]");
            assertThat(redis.cluster()).isTrue();
            assertThat(redis.password()).contains(password);
        });
        // Without the Secret the variable is not set at all.
        Map<String, Object> plain = at(Chart.render().one("Deployment"), "spec", "template", "spec", "containers", 0);
        assertThat(Chart.list(plain, "env")).noneSatisfy(env -> assertThat(at(env, "name").toString()).isEqualTo("NEXUS_REDIS_PASSWORD"));
        assertThatThrownBy(() -> Chart.render(c -> c.set("nexus.redis.password", "in-values-is-forbidden"))).hasMessageContaining("password");
        assertThatThrownBy(() -> Chart.render(c -> c.set("nexus.redis.uris[0]", "redis://user:pw@redis:6379"))).hasMessageContaining("uris");
    }

    @Test
    void deploymentRollsSafelyAndRunsLocked() {
        Map<String, Object> deployment = Chart.render().one("Deployment");
        assertThat(at(deployment, "spec", "strategy", "rollingUpdate", "maxUnavailable").toString()).isEqualTo("0");
        assertThat(at(deployment, "spec", "strategy", "rollingUpdate", "maxSurge").toString()).isEqualTo("1");
        Map<String, Object> pod = Chart.map(deployment, "spec", "template", "spec");
        Map<String, Object> container = Chart.map(pod, "containers", 0);

        assertThat(at(container, "livenessProbe", "httpGet", "path").toString()).isEqualTo("/healthz");
        assertThat(at(container, "readinessProbe", "httpGet", "path").toString()).isEqualTo("/readyz");
        assertThat(at(container, "startupProbe", "failureThreshold").toString()).isEqualTo("30");
        assertThat(at(container, "startupProbe", "periodSeconds").toString()).isEqualTo("2");
        for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
            assertThat(at(container, probe, "httpGet", "port").toString()).as(probe).isEqualTo("admin");
        }
        // Above Kubernetes' 1 s default (values.yaml, probes): a busy pod is not unready, only a stuck one restarts.
        assertThat(at(container, "readinessProbe", "timeoutSeconds").toString()).isEqualTo("2");
        assertThat(at(container, "startupProbe", "timeoutSeconds").toString()).isEqualTo("2");
        assertThat(at(container, "livenessProbe", "timeoutSeconds").toString()).isEqualTo("5");
        assertThat(at(container, "readinessProbe", "periodSeconds").toString()).isEqualTo("5");
        assertThat(at(container, "readinessProbe", "failureThreshold").toString()).isEqualTo("2");
        assertThat(at(container, "livenessProbe", "periodSeconds").toString()).isEqualTo("10");
        assertThat(at(container, "livenessProbe", "failureThreshold").toString()).isEqualTo("3");
        assertThat(Chart.list(container, "ports")).extracting(p -> ((Map<?, ?>) p).get("name") + ":" + ((Map<?, ?>) p).get("containerPort"))
            .containsExactly("http:8080", "admin:9090");
        assertThat(Chart.list(container, "lifecycle", "preStop", "exec", "command")).containsExactly("sleep", "5");
        // preStop 5 s + drain-delay 5 s + shutdown timeout 30 s, and slack.
        assertThat((Integer) at(pod, "terminationGracePeriodSeconds")).isGreaterThan(40);
        assertThat(at(container, "resources", "requests", "cpu").toString()).isEqualTo("500m");
        assertThat(at(container, "resources", "limits", "memory").toString()).isEqualTo("1Gi");

        assertThat((Boolean) at(pod, "securityContext", "runAsNonRoot")).isTrue();
        assertThat((Boolean) at(container, "securityContext", "readOnlyRootFilesystem")).isTrue();
        assertThat((Boolean) at(container, "securityContext", "allowPrivilegeEscalation")).isFalse();
        assertThat(Chart.list(container, "securityContext", "capabilities", "drop")).containsExactly("ALL");

        assertThat(Chart.list(pod, "topologySpreadConstraints")).extracting(c -> (Object) ((Map<?, ?>) c).get("topologyKey"))
            .containsExactly("kubernetes.io/hostname", "topology.kubernetes.io/zone");
        assertThat(at(deployment, "spec", "template", "metadata", "annotations", "checksum/config").toString()).matches("[0-9a-f]{64}");
    }

    @Test
    void terminationGraceFollowsTheDrainSettings() {
        Map<String, Object> deployment = Chart.render(c -> c
            .set("nexus.server.shutdown.drain-delay", "20s").set("nexus.server.shutdown.timeout", "2m").set("preStopSleepSeconds", 10))
            .one("Deployment");
        assertThat((Integer) at(deployment, "spec", "template", "spec", "terminationGracePeriodSeconds")).isGreaterThan(10 + 20 + 120);
    }

    @Test
    void configMapHoldsAGatewayConfThatTheGatewayAccepts() throws Exception {
        Map<String, Object> configMap = Chart.render(c -> c
            .set("nexus.upstreams.api.targets[0]", "http://api.internal:8080")
            .set("nexus.routes[0].name", "api").set("nexus.routes[0].path", "/api").set("nexus.routes[0].upstream", "api"))
            .one("ConfigMap");
        String text = at(configMap, "data", "gateway.conf");
        GatewayConfig config = ConfigLoader.parse(text, "gateway.conf", Map.of());
        assertThat(config.startup().admin().host()).isEqualTo("0.0.0.0");
        assertThat(config.startup().server().port()).isEqualTo(8080);
        assertThat(config.routes()).singleElement().satisfies(route -> assertThat(route.upstream()).isEqualTo("api"));
    }

    @Test
    void changingTheConfigChangesTheChecksum() {
        String before = at(Chart.render().one("Deployment"), "spec", "template", "metadata", "annotations", "checksum/config");
        String after = at(Chart.render(c -> c.set("nexus.server.max-concurrent-requests", 5000)).one("Deployment"),
            "spec", "template", "metadata", "annotations", "checksum/config");
        String unrelated = at(Chart.render(c -> c.set("replicaCount", 3)).one("Deployment"),
            "spec", "template", "metadata", "annotations", "checksum/config");
        assertThat(after).isNotEqualTo(before);
        assertThat(unrelated).isEqualTo(before);
    }

    @Test
    void budgetAndAutoscalerKeepTwoToTenReplicas() {
        Chart.Rendered rendered = Chart.render();
        assertThat(at(rendered.one("PodDisruptionBudget"), "spec", "minAvailable").toString()).isEqualTo("1");
        Map<String, Object> hpa = rendered.one("HorizontalPodAutoscaler");
        assertThat(at(hpa, "spec", "minReplicas").toString()).isEqualTo("2");
        assertThat(at(hpa, "spec", "maxReplicas").toString()).isEqualTo("10");
        assertThat(at(hpa, "spec", "metrics", 0, "resource", "target", "averageUtilization").toString()).isEqualTo("70");
        assertThat(Chart.map(rendered.one("Deployment"), "spec")).doesNotContainKey("replicas");
    }

    @Test
    void optionalObjectsAppearWhenSwitchedOn() {
        Chart.Rendered rendered = Chart.render(c -> c
            .set("serviceMonitor.enabled", true)
            .set("ingress.enabled", true).set("ingress.host", "api.example.com")
            .set("ingress.tls.enabled", true).set("ingress.tls.secretName", "api-tls")
            .set("tls.enabled", true).set("tls.secretName", "gateway-certs")
            .set("adminToken.value", "a-long-enough-admin-token"));
        assertThat(rendered.kinds()).contains("ServiceMonitor", "Ingress", "Secret");
        assertThat(at(rendered.one("ServiceMonitor"), "spec", "endpoints", 0, "port").toString()).isEqualTo("admin");
        assertThat(at(rendered.one("Ingress"), "spec", "rules", 0, "http", "paths", 0, "backend", "service", "port", "name").toString())
            .isEqualTo("http");
        Map<String, Object> pod = Chart.map(rendered.one("Deployment"), "spec", "template", "spec");
        assertThat(Chart.list(pod, "volumes")).extracting(v -> (Object) ((Map<?, ?>) v).get("name")).contains("tls");
        assertThat(rendered.yaml()).doesNotContain("a-long-enough-admin-token");
    }

    @Test
    void badValuesAreRejectedByTheSchema() {
        assertThatThrownBy(() -> Chart.render(c -> c.set("replicaCount", 0))).hasMessageContaining("replicaCount");
        assertThatThrownBy(() -> Chart.render(c -> c.set("replicas", 3))).hasMessageContaining("replicas");
        assertThatThrownBy(() -> Chart.render(c -> c.set("nexus.server.port", 70000))).hasMessageContaining("port");
        assertThatThrownBy(() -> Chart.render(c -> c.set("adminToken.value", "short"))).hasMessageContaining("adminToken");
        assertThatThrownBy(() -> Chart.render(c -> c.set("nexus.admin.token", "in-values-is-forbidden"))).hasMessageContaining("token");
        assertThatThrownBy(() -> Chart.render(c -> c.set("nexus.server.shutdown.timeout", "soon"))).hasMessageContaining("timeout");
        assertThatThrownBy(() -> Chart.render(c -> c.set("probes.readiness.timeoutSeconds", 0))).hasMessageContaining("timeoutSeconds");
    }
}
