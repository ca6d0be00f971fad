package io.nexus.delivery;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.yaml.snakeyaml.Yaml;

/** The chart rendered by the real Helm (embedded by helm-java), as parsed Kubernetes objects. */
final class Chart {

    /** The oldest Kubernetes the chart supports (Chart.yaml kubeVersion): its APIs are what must render. */
    static final String KUBE_VERSION = "1.25.0";
    static final Path DIR = Path.of("..", "helm", "nexus-gateway").toAbsolutePath().normalize();

    private Chart() {
    }

    /** Renders with the default values plus whatever {@code settings} adds (--set). */
    static Rendered render(UnaryOperator<TemplateCommand> settings) {
        String yaml = settings.apply(new Helm(DIR).template().withName("edge").withNamespace("gateways").withKubeVersion(KUBE_VERSION)).call();
        List<Map<String, Object>> objects = new ArrayList<>();
        for (Object document : new Yaml().loadAll(yaml)) {
            if (document instanceof Map<?, ?> map) {
                @SuppressWarnings("unchecked")
                Map<String, Object> object = (Map<String, Object>) map;
                objects.add(object);
            }
        }
        return new Rendered(yaml, objects);
    }

    static Rendered render() {
        return render(command -> command);
    }

    record Rendered(String yaml, List<Map<String, Object>> objects) {

        List<String> kinds() {
            return objects.stream().map(o -> (String) o.get("kind")).toList();
        }

        Map<String, Object> one(String kind) {
            List<Map<String, Object>> found = objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
            if (found.size() != 1) {
                throw new AssertionError("expected one " + kind + ", found " + found.size() + " in " + kinds());
            }
            return found.get(0);
        }
    }

    static List<Object> list(Object root, Object... path) {
        return at(root, path);
    }

    static Map<String, Object> map(Object root, Object... path) {
        return at(root, path);
    }

    /** A value at a path of maps and lists: {@code at(object, "spec", "template", "spec", "containers", 0)}. */
    @SuppressWarnings("unchecked")
    static <T> T at(Object root, Object... path) {
        Object current = root;
        for (Object step : path) {
            if (current == null) {
                throw new AssertionError("nothing at " + List.of(path) + " (stopped before " + step + ")");
            }
            current = step instanceof Integer index ? ((List<Object>) current).get(index) : ((Map<String, Object>) current).get(step);
        }
        return (T) current;
    }
}
