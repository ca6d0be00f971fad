package io.nexus.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every rendered object read into fabric8's Kubernetes model: a field the API does not know ends
 * up in some object's {@code additionalProperties}, which must stay empty everywhere.
 */
class KubernetesSchemaTest {

    private static final Map<String, Class<?>> MODELS = Map.of(
        "ConfigMap", ConfigMap.class,
        "Secret", Secret.class,
        "Service", Service.class,
        "Deployment", Deployment.class,
        "PodDisruptionBudget", PodDisruptionBudget.class,
        "HorizontalPodAutoscaler", HorizontalPodAutoscaler.class,
        "Ingress", Ingress.class,
        "NetworkPolicy", io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyObjectUsesOnlyFieldsKubernetesKnows() throws Exception {
        Chart.Rendered rendered = Chart.render(c -> c
            .set("ingress.enabled", true).set("ingress.host", "api.example.com")
            .set("ingress.tls.enabled", true).set("ingress.tls.secretName", "api-tls")
            .set("tls.enabled", true).set("tls.secretName", "gateway-certs")
            .set("adminToken.value", "a-long-enough-admin-token")
            .set("networkPolicy.adminAccess.podSelectors[0].app", "prometheus")
            .set("extraEnv[0].name", "JWT_SECRET").set("extraEnv[0].valueFrom.secretKeyRef.name", "nexus-jwt")
            .set("extraEnv[0].valueFrom.secretKeyRef.key", "secret")
            .set("envFrom[0].secretRef.name", "nexus-secrets")
            .set("extraVolumes[0].name", "keys").set("extraVolumes[0].secret.secretName", "nexus-keys")
            .set("extraVolumeMounts[0].name", "keys").set("extraVolumeMounts[0].mountPath", "/etc/nexus/keys")
            .set("extraVolumeMounts[0].readOnly", true));
        for (Map<String, Object> object : rendered.objects()) {
            String kind = (String) object.get("kind");
            Class<?> model = MODELS.get(kind);
            assertThat(model).as("a model for " + kind).isNotNull();
            Object typed = JSON.convertValue(object, model);
            List<String> unknown = new ArrayList<>();
            collectUnknown(typed, kind, unknown, java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
            assertThat(unknown).as(kind).isEmpty();
        }
    }

    @Test
    void aMisspelledFieldIsCaught() throws Exception {
        Map<String, Object> deployment = Chart.render().one("Deployment");
        Map<String, Object> spec = Chart.map(deployment, "spec", "template", "spec");
        spec.put("terminationGracePeriod", 30);
        List<String> unknown = new ArrayList<>();
        collectUnknown(JSON.convertValue(deployment, Deployment.class), "Deployment", unknown,
            java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
        assertThat(unknown).containsExactly("Deployment.spec.template.spec: [terminationGracePeriod]");
    }

    private static void collectUnknown(Object value, String path, List<String> unknown, Set<Object> seen) throws Exception {
        if (value == null || !value.getClass().getName().startsWith("io.fabric8") || !seen.add(value)) {
            if (value instanceof Collection<?> items) {
                int i = 0;
                for (Object item : items) {
                    collectUnknown(item, path + "[" + i++ + "]", unknown, seen);
                }
            } else if (value instanceof Map<?, ?> map) {
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    collectUnknown(entry.getValue(), path + "." + entry.getKey(), unknown, seen);
                }
            }
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get") || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            Object child = getter.invoke(value);
            if (getter.getName().equals("getAdditionalProperties")) {
                if (child instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    unknown.add(path + ": " + extra.keySet());
                }
                continue;
            }
            String name = Character.toLowerCase(getter.getName().charAt(3)) + getter.getName().substring(4);
            collectUnknown(child, path + "." + name, unknown, seen);
        }
    }
}
