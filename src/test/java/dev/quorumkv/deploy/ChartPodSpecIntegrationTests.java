package dev.quorumkv.deploy;

import static dev.quorumkv.deploy.ContainerEngine.podman;
import static dev.quorumkv.deploy.ContainerEngine.podmanOk;
import static dev.quorumkv.deploy.RenderedChart.at;
import static dev.quorumkv.deploy.RenderedChart.list;
import static dev.quorumkv.deploy.RenderedChart.map;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.ObjectMapper;

/**
 * The chart's pod spec, run: the chart is rendered (helm-java), and each of the StatefulSet's pods
 * is made from its pod template as the StatefulSet controller would (name, hostname, its own
 * claim) and run with {@code podman kube play} on a network this test creates, with the rendered
 * env, Secret, security context, volume mounts and probes. The test plays kubelet for the probes
 * (podman 4.3 runs none of them) and for DNS (hostAliases give the headless Service's pod names and
 * the client Service's name), then runs the chart's `helm test` pod against the pods.
 *
 * <p>What it changes from the rendered spec, each for a podman 4.3 limit, and no more: an emptyDir
 * becomes a claim of the pod's own (podman shares an emptyDir between pods by its name); the
 * container port is published on 127.0.0.1 (podman publishes it on every interface otherwise);
 * the Secret is given to podman as a secret in the JSON podman reads (kube play's own Secret
 * support stores a form its secretKeyRef cannot read); the `helm test` pod runs this image (it
 * has sh and curl), as curlimages/curl cannot be pulled here.
 */
@ExtendWith(ContainerEngine.Required.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChartPodSpecIntegrationTests {

    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** A release name of this run's own: pod, claim, secret and network names never meet another run's. */
    private static final String RELEASE = "t" + HexFormat.of().formatHex(new SecureRandom().generateSeed(3));

    private static final String NAMESPACE = "store";

    private static final String FULLNAME = RELEASE + "-quorumkv";

    private static final String NETWORK = RELEASE + "-net";

    private static Path scratch;

    private static RenderedChart chart;

    private static final List<String> pods = new ArrayList<>();

    private static final List<String> podIps = new ArrayList<>();

    private static final List<String> volumes = new ArrayList<>();

    private static String secretName;

    private static boolean networkCreated;

    @BeforeAll
    static void playThePods() throws Exception {
        String image = ContainerEngine.image();
        int colon = image.lastIndexOf(':');
        scratch = Files.createTempDirectory("quorumkv-chart-pods");
        chart = RenderedChart.render(scratch, RELEASE, NAMESPACE, Map.of(
                "image.repository", image.substring(0, colon), "image.tag", image.substring(colon + 1),
                "tests.image.repository", image.substring(0, colon), "tests.image.tag", image.substring(colon + 1)));

        Map<String, Object> secret = chart.one("Secret");
        secretName = (String) at(secret, "metadata", "name");
        Path secretJson = scratch.resolve("secret.json");
        Files.writeString(secretJson, new ObjectMapper().writeValueAsString(secret.get("data")));
        podmanOk("secret", "create", secretName, secretJson.toString());

        podmanOk("network", "create", NETWORK);
        networkCreated = true;
        String subnet = podmanOk("network", "inspect", NETWORK, "--format", "{{range .Subnets}}{{.Subnet}}{{end}}").strip();
        String prefix = subnet.substring(0, subnet.lastIndexOf('.') + 1); // podman's default: a /24

        Map<String, Object> sts = chart.one("StatefulSet");
        int replicas = (Integer) at(sts, "spec", "replicas");
        for (int ordinal = 0; ordinal < replicas; ordinal++) {
            pods.add(FULLNAME + "-" + ordinal);
            podIps.add(prefix + (10 + ordinal));
        }
        for (int ordinal = 0; ordinal < replicas; ordinal++) {
            Path manifest = scratch.resolve(pods.get(ordinal) + ".yaml");
            Files.writeString(manifest, new Yaml().dump(podOf(sts, ordinal)));
            podmanOk("kube", "play", "--network", NETWORK, "--ip", podIps.get(ordinal), manifest.toString());
        }
    }

    @AfterAll
    static void removeThePods() {
        for (String pod : pods) {
            podman("pod", "rm", "--force", pod);
        }
        podman("pod", "rm", "--force", FULLNAME + "-test-put-get");
        volumes.forEach(v -> podman("volume", "rm", "--force", v));
        if (secretName != null) {
            podman("secret", "rm", secretName);
        }
        if (networkCreated) {
            podman("network", "rm", "--force", NETWORK);
        }
    }

    @Test
    @Order(1)
    void everyPodPassesItsStartupAndReadinessProbes() {
        Map<String, Object> container = chart.nodeContainer();
        for (int ordinal = 0; ordinal < pods.size(); ordinal++) {
            Instant start = Instant.now();
            assertThat(probeUntilSuccess(ordinal, map(container.get("startupProbe"))))
                    .as("%s passes its startupProbe within periodSeconds x failureThreshold", pods.get(ordinal)).isTrue();
            assertThat(probeUntilSuccess(ordinal, map(container.get("readinessProbe"))))
                    .as("%s becomes ready", pods.get(ordinal)).isTrue();
            assertThat(probe(ordinal, map(container.get("livenessProbe")))).as("%s is live", pods.get(ordinal)).isTrue();
            System.out.printf("%s ready after %d s more%n", pods.get(ordinal), Duration.between(start, Instant.now()).toSeconds());
        }
    }

    @Test
    @Order(2)
    void theRenderedEnvAndSecretMakeOneClusterOfThePods() throws Exception {
        String secret = podmanOk("exec", pods.get(0) + "-quorumkv", "printenv", "QUORUMKV_CLUSTER_SECRET").strip();
        HttpResponse<String> topology = http.send(HttpRequest.newBuilder(uri(1, "/admin/topology"))
                .header("Authorization", "Bearer " + secret).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(topology.statusCode()).as(topology.body()).isEqualTo(200);
        for (String pod : pods) {
            assertThat(topology.body()).contains("\"id\":\"" + pod + "\"");
        }
    }

    @Test
    @Order(3)
    void thePodsRunWithTheChartsSecurityContext() {
        String container = pods.get(0) + "-quorumkv";
        Map<String, Object> pod = chart.podSecurityContext();

        assertThat(podmanOk("exec", container, "id", "-u").strip()).isEqualTo(String.valueOf(pod.get("runAsUser")));
        assertThat(podman("exec", container, "touch", "/written-to-root").output()).contains("Read-only file system");
        assertThat(podmanOk("exec", container, "grep", "-E", "^(CapEff|NoNewPrivs|Seccomp):", "/proc/1/status"))
                .containsPattern("CapEff:\\s+0{16}").containsPattern("NoNewPrivs:\\s+1").containsPattern("Seccomp:\\s+2");
        assertThat(podmanOk("exec", container, "ls", "-A", "/data")).contains("quorumkv-host-id");
    }

    @Test
    @Order(4)
    void theChartsHelmTestPodSucceedsAgainstThePods() throws Exception {
        Map<String, Object> testPod = chart.objects().stream()
                .filter(o -> "Pod".equals(o.get("kind")) && (FULLNAME + "-test-put-get").equals(at(o, "metadata", "name")))
                .findFirst().orElseThrow();
        Map<String, Object> spec = map(testPod.get("spec"));
        // The client Service: here pod 0 (a Service would pick any ready pod).
        spec.put("hostAliases", List.of(Map.of("ip", podIps.get(0), "hostnames", List.of(FULLNAME))));
        Path manifest = scratch.resolve("test-put-get.yaml");
        Files.writeString(manifest, new Yaml().dump(testPod));
        podmanOk("kube", "play", "--network", NETWORK, manifest.toString());

        String container = FULLNAME + "-test-put-get-" + at(spec, "containers", 0, "name");
        String exit = podmanOk("wait", container).strip();
        String logs = podmanOk("logs", container);
        System.out.println("helm test pod: exit " + exit + ", " + logs.strip());
        assertThat(exit).as(logs).isEqualTo("0");
        assertThat(logs).contains("PUT then GET of http://" + FULLNAME + ":8080/kv/helm-test-1: OK");
    }

    /** Pod {@code ordinal} of the StatefulSet, as its controller makes it, adapted to podman 4.3 (see the class comment). */
    private static Map<String, Object> podOf(Map<String, Object> sts, int ordinal) throws IOException {
        Map<String, Object> template = deepCopy(map(at(sts, "spec", "template")));
        String name = pods.get(ordinal);
        Map<String, Object> metadata = new LinkedHashMap<>(map(template.get("metadata")));
        metadata.put("name", name);
        Map<String, Object> labels = new LinkedHashMap<>(map(metadata.get("labels")));
        labels.put("statefulset.kubernetes.io/pod-name", name);
        metadata.put("labels", labels);

        Map<String, Object> spec = map(template.get("spec"));
        spec.put("hostname", name);
        spec.put("subdomain", at(sts, "spec", "serviceName"));
        // DNS as the headless Service gives it: each member's host name, as the members list names it.
        List<Object> aliases = new ArrayList<>();
        for (String member : members()) {
            String url = member.substring(member.indexOf('=') + 1);
            String host = URI.create(url).getHost();
            int index = pods.indexOf(host.substring(0, host.indexOf('.')));
            assertThat(index).as("member %s is one of the pods", member).isNotNegative();
            aliases.add(Map.of("ip", podIps.get(index), "hostnames", List.of(host)));
        }
        spec.put("hostAliases", aliases);

        List<Object> podVolumes = new ArrayList<>(spec.containsKey("volumes") ? list(spec.get("volumes")) : List.of());
        for (int i = 0; i < podVolumes.size(); i++) {
            Map<String, Object> volume = map(podVolumes.get(i));
            if (volume.containsKey("emptyDir")) {
                String claim = name + "-" + volume.get("name");
                volumes.add(claim);
                podVolumes.set(i, Map.of("name", volume.get("name"), "persistentVolumeClaim", Map.of("claimName", claim)));
            }
        }
        for (Object claimTemplate : list(at(sts, "spec", "volumeClaimTemplates"))) {
            String volume = (String) at(claimTemplate, "metadata", "name");
            String claim = volume + "-" + name; // the StatefulSet controller's claim name
            volumes.add(claim);
            podVolumes.add(Map.of("name", volume, "persistentVolumeClaim", Map.of("claimName", claim)));
        }
        spec.put("volumes", podVolumes);

        Map<String, Object> container = map(at(spec, "containers", 0));
        for (Object port : list(container.get("ports"))) {
            map(port).put("hostIP", "127.0.0.1");
            map(port).put("hostPort", freePort());
        }
        return Map.of("apiVersion", "v1", "kind", "Pod", "metadata", metadata, "spec", spec);
    }

    private static List<String> members() {
        for (Object entry : list(chart.nodeContainer().get("env"))) {
            if ("QUORUMKV_CLUSTER_MEMBERS".equals(map(entry).get("name"))) {
                return List.of(((String) map(entry).get("value")).split(","));
            }
        }
        throw new IllegalStateException("no QUORUMKV_CLUSTER_MEMBERS in the rendered env");
    }

    /**
     * Probes as kubelet does: every periodSeconds, until a success or failureThreshold failures.
     * The chart's budget assumes a node per pod (its anti-affinity spreads them); here every pod
     * shares this machine's cores, so the budget is multiplied by the number of pods. Readiness,
     * which Kubernetes probes for ever, gets the same budget.
     */
    private static boolean probeUntilSuccess(int ordinal, Map<String, Object> probe) {
        int period = (Integer) probe.getOrDefault("periodSeconds", 10);
        int threshold = (Integer) probe.getOrDefault("failureThreshold", 3);
        Map<String, Object> startup = map(chart.nodeContainer().get("startupProbe"));
        int budgetSeconds = (Integer) startup.get("periodSeconds") * (Integer) startup.get("failureThreshold") * pods.size();
        int attempts = Math.max(threshold, budgetSeconds / period);
        for (int attempt = 0; attempt < attempts; attempt++) {
            if (probe(ordinal, probe)) {
                return true;
            }
            try {
                Thread.sleep(period * 1000L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        System.out.println(podman("logs", "--tail", "40", pods.get(ordinal) + "-quorumkv").output());
        return false;
    }

    /** One httpGet probe against the pod's IP, its named port resolved as kubelet resolves it; 2xx and 3xx pass. */
    private static boolean probe(int ordinal, Map<String, Object> probe) {
        String path = (String) at(probe, "httpGet", "path");
        int timeout = (Integer) probe.getOrDefault("timeoutSeconds", 1);
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(uri(ordinal, path, containerPort(at(probe, "httpGet", "port"))))
                    .timeout(Duration.ofSeconds(timeout)).build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() >= 200 && response.statusCode() < 400;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static int containerPort(Object port) {
        if (port instanceof Integer number) {
            return number;
        }
        for (Object declared : list(chart.nodeContainer().get("ports"))) {
            if (port.equals(map(declared).get("name"))) {
                return (Integer) map(declared).get("containerPort");
            }
        }
        throw new IllegalStateException("no container port named " + port);
    }

    private static URI uri(int ordinal, String path) {
        return uri(ordinal, path, containerPort("http"));
    }

    private static URI uri(int ordinal, String path, int port) {
        return URI.create("http://" + podIps.get(ordinal) + ":" + port + path);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> deepCopy(Map<String, Object> source) {
        Yaml yaml = new Yaml();
        return (Map<String, Object>) yaml.load(yaml.dump(source));
    }
}
