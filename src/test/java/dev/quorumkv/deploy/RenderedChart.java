package dev.quorumkv.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.marcnuri.helm.Helm;
import org.yaml.snakeyaml.Yaml;

/**
 * The chart rendered by the real Helm library (helm-java), the `helm test` pod included (helm-java's
 * template leaves hooks out, so a copy of the chart without the hook annotation is rendered), for
 * the container tests that run what it renders.
 */
record RenderedChart(List<Map<String, Object>> objects) {

    static final Path CHART = ContainerEngine.REPO.resolve("helm/quorumkv");

    /** helm-java's client-only default (1.20) is older than the chart's kubeVersion. */
    private static final String KUBE_VERSION = "v1.33.0";

    static RenderedChart render(Path scratch, String release, String namespace, Map<String, Object> values) {
        try {
            Path copy = copyWithoutTestHook(scratch.resolve("chart"));
            var template = new Helm(copy).template().withName(release).withNamespace(namespace).withKubeVersion(KUBE_VERSION);
            values.forEach(template::set);
            List<Map<String, Object>> objects = new ArrayList<>();
            for (Object doc : new Yaml().loadAll(template.call())) {
                if (doc != null) {
                    objects.add(map(doc));
                }
            }
            return new RenderedChart(List.copyOf(objects));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Map<String, Object> one(String kind) {
        List<Map<String, Object>> found = objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
        if (found.size() != 1) {
            throw new IllegalStateException("rendered " + found.size() + " " + kind + " objects, expected one");
        }
        return found.get(0);
    }

    /** The StatefulSet's container: its env, probes, security context and mounts. */
    Map<String, Object> nodeContainer() {
        return map(at(one("StatefulSet"), "spec", "template", "spec", "containers", 0));
    }

    Map<String, Object> podSecurityContext() {
        return map(at(one("StatefulSet"), "spec", "template", "spec", "securityContext"));
    }

    /** Walks maps by key and lists by index; null where the path ends early. */
    static Object at(Object node, Object... path) {
        for (Object step : path) {
            if (node instanceof Map<?, ?> m && step instanceof String key) {
                node = m.get(key);
            } else if (node instanceof List<?> l && step instanceof Integer i && i < l.size()) {
                node = l.get(i);
            } else {
                return null;
            }
        }
        return node;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object node) {
        if (!(node instanceof Map<?, ?>)) {
            throw new IllegalStateException("a mapping expected, got " + node);
        }
        return (Map<String, Object>) node;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object node) {
        if (!(node instanceof List<?>)) {
            throw new IllegalStateException("a sequence expected, got " + node);
        }
        return (List<Object>) node;
    }

    private static Path copyWithoutTestHook(Path copy) throws IOException {
        try (Stream<Path> tree = Files.walk(CHART)) {
            for (Path source : (Iterable<Path>) tree::iterator) {
                Path target = copy.resolve(CHART.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else if (source.getParent().getFileName().toString().equals("tests")) {
                    Files.writeString(target, Files.readString(source).lines().filter(l -> !l.contains("helm.sh/hook"))
                            .collect(Collectors.joining("\n", "", "\n")));
                } else {
                    Files.copy(source, target);
                }
            }
        }
        return copy;
    }
}
