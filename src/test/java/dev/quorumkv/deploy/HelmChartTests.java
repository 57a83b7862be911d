package dev.quorumkv.deploy;

import static dev.quorumkv.deploy.RenderedChart.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.ObjectMapper;

/**
 * The Helm chart, linted and rendered by the real Helm library (helm-java), with no cluster:
 * assertions are on the Kubernetes objects it renders for default and other values.
 */
class HelmChartTests {

    private static final Path CHART = Path.of("helm", "quorumkv");

    private static final String RELEASE = "kv";

    private static final String NAMESPACE = "store";

    private static final String FULLNAME = "kv-quorumkv";

    /** helm-java's client-only default (1.20) is older than the chart's kubeVersion. */
    private static final String KUBE_VERSION = "v1.33.0";

    @Test
    void lintsCleanInStrictMode() {
        LintResult lint = new Helm(CHART).lint().strict().call();

        assertThat(lint.isFailed()).as("lint failed: %s", lint.getMessages()).isFalse();
        assertThat(lint.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    }

    @Test
    void lintsCleanInStrictModeWithEveryOptionalResourceOn(@TempDir Path dir) throws IOException {
        // helm-java's lint takes no values: lint a copy whose values.yaml turns everything on.
        Path copy = copyChart(dir);
        String values = Files.readString(copy.resolve("values.yaml"));
        String allOn = values.replace("enabled: false", "enabled: true");
        assertThat(values.split("enabled: false", -1)).as("networkPolicy, serviceMonitor, prometheusRule, dashboard").hasSize(5);
        Files.writeString(copy.resolve("values.yaml"), allOn);

        LintResult lint = new Helm(copy).lint().strict().call();

        assertThat(lint.isFailed()).as("lint failed: %s", lint.getMessages()).isFalse();
        assertThat(lint.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    }

    @Test
    void defaultsRenderAThreeNodeStatefulSetWhoseMembersAreItsPodsStableNames() {
        Rendered chart = render(Map.of());
        Map<String, Object> sts = chart.one("StatefulSet");

        assertThat(at(sts, "spec", "replicas")).isEqualTo(3);
        assertThat(at(sts, "spec", "podManagementPolicy")).isEqualTo("Parallel");
        assertThat(at(sts, "spec", "serviceName")).isEqualTo(FULLNAME + "-headless");
        assertThat(members(sts)).containsExactly(
                "kv-quorumkv-0=http://kv-quorumkv-0.kv-quorumkv-headless.store.svc.cluster.local:8080",
                "kv-quorumkv-1=http://kv-quorumkv-1.kv-quorumkv-headless.store.svc.cluster.local:8080",
                "kv-quorumkv-2=http://kv-quorumkv-2.kv-quorumkv-headless.store.svc.cluster.local:8080");
        // Each pod's node id is its own name, which is how it finds itself in the members list.
        assertThat(at(env(sts).get("QUORUMKV_NODEID"), "valueFrom", "fieldRef", "fieldPath")).isEqualTo("metadata.name");
        // quorumkv.cluster.auto-join by relaxed binding: a pod that is not a member joins by itself.
        assertThat(env(sts).get("QUORUMKV_CLUSTER_AUTOJOIN")).isEqualTo(Map.of("name", "QUORUMKV_CLUSTER_AUTOJOIN", "value", "true"));
        // A joiner announces where peers reach it, named as the members list names pods (Kubernetes expands $(...)).
        assertThat(env(sts).get("QUORUMKV_CLUSTER_URL")).containsEntry("value",
                "http://$(QUORUMKV_NODEID).kv-quorumkv-headless.store.svc.cluster.local:8080");
        assertThat(env(sts)).extractingByKeys("QUORUMKV_REPLICATION_N", "QUORUMKV_REPLICATION_W", "QUORUMKV_REPLICATION_R")
                .extracting(e -> e.get("value")).containsExactly("3", "2", "2");
    }

    @Test
    void theHeadlessServicePublishesPodsBeforeTheyAreReadyAndTheClientServiceBalancesOverThem() {
        Rendered chart = render(Map.of());
        Map<String, Object> sts = chart.one("StatefulSet");
        Map<String, Object> headless = chart.named("Service", FULLNAME + "-headless");
        Map<String, Object> client = chart.named("Service", FULLNAME);
        Object podLabels = at(sts, "spec", "template", "metadata", "labels");

        assertThat(at(headless, "spec", "clusterIP")).isEqualTo("None");
        assertThat(at(headless, "spec", "publishNotReadyAddresses")).isEqualTo(true);
        assertThat(at(client, "spec", "clusterIP")).isNull();
        for (Map<String, Object> service : List.of(headless, client)) {
            assertThat(map(podLabels)).containsAllEntriesOf(map(at(service, "spec", "selector")));
            assertThat(at(service, "spec", "ports", 0, "port")).isEqualTo(8080);
            assertThat(at(service, "spec", "ports", 0, "targetPort")).isEqualTo("http");
        }
    }

    @Test
    void aGeneratedClusterSecretReachesTheNodesOnlyThroughASecretReference() {
        Rendered chart = render(Map.of());
        Map<String, Object> secret = chart.named("Secret", FULLNAME + "-cluster");
        String value = decode(at(secret, "data", "cluster-secret"));
        Map<String, Object> sts = chart.one("StatefulSet");

        assertThat(value).hasSizeGreaterThanOrEqualTo(32).matches("[A-Za-z0-9]+");
        assertThat(at(env(sts).get("QUORUMKV_CLUSTER_SECRET"), "valueFrom", "secretKeyRef"))
                .isEqualTo(Map.of("name", FULLNAME + "-cluster", "key", "cluster-secret"));
        assertThat(new Yaml().dump(sts)).doesNotContain(value);
        assertThat(render(Map.of()).named("Secret", FULLNAME + "-cluster")).as("a new install gets a new secret")
                .isNotEqualTo(secret);
    }

    @Test
    void aClusterSecretGivenInValuesIsStoredInTheSecret() {
        Rendered chart = render(Map.of("cluster.secret", "given-in-values-0123456789abcdef"));

        assertThat(decode(at(chart.named("Secret", FULLNAME + "-cluster"), "data", "cluster-secret")))
                .isEqualTo("given-in-values-0123456789abcdef");
    }

    @Test
    void anExistingSecretIsReferencedAndNoneIsCreated() {
        Rendered chart = render(Map.of("cluster.existingSecret", "my-secret", "cluster.existingSecretKey", "peers"));

        assertThat(chart.all("Secret")).isEmpty();
        assertThat(at(env(chart.one("StatefulSet")).get("QUORUMKV_CLUSTER_SECRET"), "valueFrom", "secretKeyRef"))
                .isEqualTo(Map.of("name", "my-secret", "key", "peers"));
    }

    @Test
    void eachNodeKeepsItsDataOnItsOwnPersistentVolumeClaimMountedAtTheStorageDir() {
        Map<String, Object> sts = render(Map.of()).one("StatefulSet");

        assertThat(at(sts, "spec", "volumeClaimTemplates", 0, "metadata", "name")).isEqualTo("data");
        assertThat(at(sts, "spec", "volumeClaimTemplates", 0, "spec", "accessModes")).isEqualTo(List.of("ReadWriteOnce"));
        assertThat(at(sts, "spec", "volumeClaimTemplates", 0, "spec", "resources", "requests", "storage")).isEqualTo("8Gi");
        assertThat(mounts(sts)).containsEntry("data", "/data");
        assertThat(at(env(sts).get("QUORUMKV_STORAGE_DIR"), "value")).isEqualTo("/data");
    }

    @Test
    void withoutPersistenceTheDataDirIsAnEmptyDir() {
        Map<String, Object> sts = render(Map.of("persistence.enabled", false)).one("StatefulSet");

        assertThat(at(sts, "spec", "volumeClaimTemplates")).isNull();
        assertThat(volumes(sts)).containsKey("data");
        assertThat(at(volumes(sts).get("data"), "emptyDir")).isEqualTo(Map.of());
    }

    @Test
    void aDisruptionBudgetLetsOneNodeGoAtATime() {
        Rendered chart = render(Map.of());
        Map<String, Object> pdb = chart.one("PodDisruptionBudget");

        assertThat(at(pdb, "spec", "maxUnavailable")).isEqualTo(1);
        assertThat(at(pdb, "spec", "selector")).isEqualTo(at(chart.one("StatefulSet"), "spec", "selector"));
    }

    @Test
    void probesAskLivezAndReadyzAndShutdownOutlastsTheNodesGracePeriod() {
        Map<String, Object> sts = render(Map.of()).one("StatefulSet");
        Map<String, Object> container = container(sts);

        assertThat(at(container, "startupProbe", "httpGet", "path")).isEqualTo("/livez");
        assertThat(at(container, "livenessProbe", "httpGet", "path")).isEqualTo("/livez");
        assertThat(at(container, "readinessProbe", "httpGet", "path")).isEqualTo("/readyz");
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            assertThat(at(container, probe, "httpGet", "port")).isEqualTo("http");
        }
        assertThat(at(container, "ports", 0)).isEqualTo(Map.of("name", "http", "containerPort", 8080, "protocol", "TCP"));
        // The node's graceful shutdown phase is 20s (spring.lifecycle.timeout-per-shutdown-phase).
        assertThat((Integer) at(sts, "spec", "template", "spec", "terminationGracePeriodSeconds")).isGreaterThan(20);
    }

    @Test
    void podsMeetTheRestrictedSecurityProfile() {
        Map<String, Object> sts = render(Map.of()).one("StatefulSet");
        Map<String, Object> pod = map(at(sts, "spec", "template", "spec"));
        Map<String, Object> container = container(sts);

        assertThat(at(pod, "securityContext", "runAsNonRoot")).isEqualTo(true);
        assertThat(at(pod, "securityContext", "runAsUser")).isEqualTo(10001);
        assertThat(at(pod, "securityContext", "fsGroup")).isEqualTo(10001);
        assertThat(at(pod, "securityContext", "seccompProfile", "type")).isEqualTo("RuntimeDefault");
        assertThat(at(pod, "automountServiceAccountToken")).isEqualTo(false);
        assertThat(at(container, "securityContext", "allowPrivilegeEscalation")).isEqualTo(false);
        assertThat(at(container, "securityContext", "readOnlyRootFilesystem")).isEqualTo(true);
        assertThat(at(container, "securityContext", "capabilities", "drop")).isEqualTo(List.of("ALL"));
        // A read-only root filesystem needs a writable /tmp (JVM, Tomcat, RocksDB's JNI library).
        assertThat(mounts(sts)).containsEntry("tmp", "/tmp");
        assertThat(at(container, "resources", "limits", "memory")).isEqualTo("1Gi");
        assertThat(at(container, "resources", "requests", "cpu")).isEqualTo("250m");
    }

    @Test
    void fiveNodesListOnlyTheInitialMembersAsContactPoints() {
        Rendered chart = render(Map.of("replicaCount", 5, "clusterDomain", "k8s.internal"));
        Map<String, Object> sts = chart.one("StatefulSet");

        assertThat(at(sts, "spec", "replicas")).isEqualTo(5);
        assertThat(members(sts)).containsExactlyElementsOf(IntStream.range(0, 3)
                .mapToObj(i -> "kv-quorumkv-%d=http://kv-quorumkv-%d.kv-quorumkv-headless.store.svc.k8s.internal:8080".formatted(i, i))
                .toList());
        assertThat(members(render(Map.of("replicaCount", 5, "cluster.initialMembers", 5)).one("StatefulSet"))).hasSize(5)
                .last().isEqualTo("kv-quorumkv-4=http://kv-quorumkv-4.kv-quorumkv-headless.store.svc.cluster.local:8080");
    }

    @Test
    void scalingChangesOnlyTheReplicasNeverThePodTemplate() {
        Map<String, Object> three = render(Map.of("replicaCount", 3, "cluster.secret", "fixed-0123456789abcdef")).one("StatefulSet");
        Map<String, Object> five = render(Map.of("replicaCount", 5, "cluster.secret", "fixed-0123456789abcdef")).one("StatefulSet");
        Yaml yaml = new Yaml();

        assertThat(yaml.dump(at(five, "spec", "template"))).isEqualTo(yaml.dump(at(three, "spec", "template")));
        assertThat(at(three, "spec", "replicas")).isEqualTo(3);
        assertThat(at(five, "spec", "replicas")).isEqualTo(5);
        map(five.get("spec")).put("replicas", 3);
        assertThat(yaml.dump(five)).as("nothing else differs").isEqualTo(yaml.dump(three));
    }

    @Test
    void claimsOfScaledAwayPodsAreDeletedAndKeptWhenTheReleaseIsDeleted() {
        Map<String, Object> sts = render(Map.of()).one("StatefulSet");

        assertThat(at(sts, "spec", "persistentVolumeClaimRetentionPolicy"))
                .isEqualTo(Map.of("whenScaled", "Delete", "whenDeleted", "Retain"));
        assertThat(at(render(Map.of("persistentVolumeClaimRetentionPolicy.whenDeleted", "Delete")).one("StatefulSet"),
                "spec", "persistentVolumeClaimRetentionPolicy", "whenDeleted")).isEqualTo("Delete");
        assertThat(at(render(Map.of("persistence.enabled", false)).one("StatefulSet"), "spec", "persistentVolumeClaimRetentionPolicy"))
                .as("no claims, no policy").isNull();
    }

    @Test
    void theScaleDownHookDecommissionsThroughTheClientServiceWithTheClusterSecret(@TempDir Path dir) throws IOException {
        Rendered chart = renderWithHooks(dir, Map.of("replicaCount", 4));
        Map<String, Object> job = chart.named("Job", FULLNAME + "-scale-down");
        Map<String, Object> configMap = chart.named("ConfigMap", FULLNAME + "-scale-down");
        Map<String, Object> pod = map(at(job, "spec", "template", "spec"));
        Map<String, Object> container = map(at(pod, "containers", 0));
        Map<String, Map<String, Object>> env = new LinkedHashMap<>();
        for (Object entry : list(container.get("env"))) {
            env.put((String) map(entry).get("name"), map(entry));
        }
        Map<String, Object> sts = chart.one("StatefulSet");

        assertThat(map(at(job, "metadata", "annotations"))).containsExactlyInAnyOrderEntriesOf(Map.of(
                "rendered.test/hook", "pre-upgrade", "rendered.test/hook-weight", "0",
                "rendered.test/hook-delete-policy", "before-hook-creation,hook-succeeded"));
        assertThat(map(at(configMap, "metadata", "annotations"))).as("the script is there before the Job")
                .containsEntry("rendered.test/hook", "pre-upgrade").containsEntry("rendered.test/hook-weight", "-10");
        assertThat(at(job, "spec", "backoffLimit")).isEqualTo(0);
        assertThat(pod.get("restartPolicy")).isEqualTo("Never");
        assertThat(container.get("image")).isEqualTo(at(container(sts), "image"));
        assertThat(container.get("command")).isEqualTo(List.of("/bin/sh", "/scripts/scale-down.sh"));
        assertThat(env.get("TARGET_REPLICAS")).containsEntry("value", "4");
        assertThat(env.get("ADMIN_URL")).containsEntry("value", "http://kv-quorumkv.store.svc.cluster.local:8080");
        assertThat(env.get("MEMBER_PREFIX")).as("node ids are the pod names <StatefulSet>-<ordinal>")
                .containsEntry("value", at(sts, "metadata", "name"));
        assertThat(env.get("TIMEOUT_SECONDS")).containsEntry("value", "1800");
        assertThat(at(env.get("CLUSTER_SECRET"), "valueFrom", "secretKeyRef"))
                .isEqualTo(at(env(sts).get("QUORUMKV_CLUSTER_SECRET"), "valueFrom", "secretKeyRef"));
        // The script and its jq plan, mounted from the ConfigMap, byte for byte the chart's files.
        assertThat(at(pod, "volumes", 0)).isEqualTo(Map.of("name", "scripts", "configMap", Map.of("name", FULLNAME + "-scale-down")));
        assertThat(at(container, "volumeMounts", 0)).isEqualTo(Map.of("name", "scripts", "mountPath", "/scripts", "readOnly", true));
        for (String file : List.of("scale-down.sh", "plan.jq")) {
            assertThat(at(configMap, "data", file)).isEqualTo(Files.readString(CHART.resolve("files/scale-down/" + file)));
        }
        // The nodes' security settings; small resources: sh, curl and jq, no JVM.
        assertThat(pod.get("securityContext")).isEqualTo(at(sts, "spec", "template", "spec", "securityContext"));
        assertThat(container.get("securityContext")).isEqualTo(at(container(sts), "securityContext"));
        assertThat(pod.get("automountServiceAccountToken")).isEqualTo(false);
        assertThat(at(container, "resources", "limits", "memory")).isEqualTo("64Mi");
        assertThat(at(container, "volumeMounts", 1)).isEqualTo(Map.of("name", "tmp", "mountPath", "/tmp"));
    }

    @Test
    void theScaleDownJobIsNoNodeButGetsThroughTheNetworkPolicy(@TempDir Path dir) throws IOException {
        Rendered chart = renderWithHooks(dir, Map.of("networkPolicy.enabled", true, "networkPolicy.allowExternal", false));
        Map<String, Object> jobPodLabels = map(at(chart.named("Job", FULLNAME + "-scale-down"), "spec", "template", "metadata", "labels"));
        Map<String, Object> nodeSelector = map(at(chart.one("StatefulSet"), "spec", "selector", "matchLabels"));
        List<Map<String, Object>> admitted = list(at(chart.one("NetworkPolicy"), "spec", "ingress", 0, "from"));

        assertThat(jobPodLabels.entrySet().containsAll(nodeSelector.entrySet()))
                .as("not selected by the Services, the PDB or as a peer").isFalse();
        assertThat(admitted).anySatisfy(from -> assertThat(jobPodLabels).containsAllEntriesOf(map(at(from, "podSelector", "matchLabels"))));
    }

    @Test
    void withScaleDownDisabledThereIsNoHook(@TempDir Path dir) throws IOException {
        Rendered chart = renderWithHooks(dir, Map.of("scaleDown.enabled", false));

        assertThat(chart.all("Job")).isEmpty();
        assertThat(chart.all("ConfigMap")).isEmpty();
    }

    @Test
    void monitoringAndNetworkPolicyAreOffByDefault() {
        Rendered chart = render(Map.of());

        assertThat(chart.kinds()).containsExactlyInAnyOrder("ServiceAccount", "Secret", "Service", "Service",
                "StatefulSet", "PodDisruptionBudget");
    }

    @Test
    void theServiceMonitorScrapesEachPodOnceUnderTheConfiguredJob() {
        Rendered chart = render(Map.of("metrics.serviceMonitor.enabled", true, "metrics.job", "kv-store"));
        Map<String, Object> monitor = chart.one("ServiceMonitor");
        Map<String, Object> selector = map(at(monitor, "spec", "selector", "matchLabels"));

        // Only the headless Service: it lists every pod, so each is scraped once.
        assertThat(map(at(chart.named("Service", FULLNAME + "-headless"), "metadata", "labels"))).containsAllEntriesOf(selector);
        assertThat(map(at(chart.named("Service", FULLNAME), "metadata", "labels")).entrySet())
                .doesNotContainAnyElementsOf(List.of(Map.entry("app.kubernetes.io/component", "headless")));
        assertThat(selector).containsEntry("app.kubernetes.io/component", "headless");
        assertThat(at(monitor, "spec", "endpoints", 0, "port")).isEqualTo("http");
        assertThat(at(monitor, "spec", "endpoints", 0, "path")).isEqualTo("/actuator/prometheus");
        assertThat(at(monitor, "spec", "endpoints", 0, "interval")).isEqualTo("30s");
        assertThat(at(monitor, "spec", "endpoints", 0, "scrapeTimeout")).isEqualTo("10s");
        assertThat(at(monitor, "spec", "endpoints", 0, "relabelings"))
                .isEqualTo(List.of(Map.of("targetLabel", "job", "replacement", "kv-store")));
        assertThat(at(monitor, "spec", "namespaceSelector", "matchNames")).isEqualTo(List.of(NAMESPACE));
    }

    @Test
    void thePrometheusRuleIsTheSharedRulesFileNarrowedToTheReleasesJobAndNamespace() throws IOException {
        Rendered chart = render(Map.of("metrics.prometheusRule.enabled", true, "metrics.prometheusRule.labels.release", "prom"));
        Map<String, Object> rule = chart.one("PrometheusRule");
        String shared = Files.readString(CHART.resolve("files/prometheus-rules.yaml"));
        // metrics.job left empty: the job is the release's full name.
        Map<String, Object> expected = new Yaml().load(shared.replace("job=\"quorumkv\"", "job=\"kv-quorumkv\", namespace=\"store\""));

        assertThat(shared).contains("job=\"quorumkv\"");
        assertThat(at(rule, "spec", "groups")).isEqualTo(expected.get("groups"));
        assertThat(map(at(rule, "metadata", "labels"))).containsEntry("release", "prom");
        List<Map<String, Object>> rules = list(at(rule, "spec", "groups", 0, "rules"));
        assertThat(rules).extracting(r -> r.containsKey("record") ? r.get("record") : r.get("alert")).containsExactly(
                "quorumkv:write_success_ratio:rate5m", "QuorumKvWriteSuccessRateLow", "QuorumKvReplicaErrors", "QuorumKvNodeDown",
                "QuorumKvHintsPendingGrowing", "QuorumKvAntiEntropyFailing");
        assertThat(rules).extracting(r -> (String) r.get("expr"))
                .allSatisfy(expr -> assertThat(expr).contains("job=\"kv-quorumkv\", namespace=\"store\"").doesNotContain("job=\"quorumkv\""));
    }

    @Test
    void theDashboardConfigMapCarriesTheDashboardForTheGrafanaSidecar() throws IOException {
        Rendered chart = render(Map.of("metrics.dashboard.enabled", true, "metrics.dashboard.namespace", "monitoring"));
        Map<String, Object> configMap = chart.one("ConfigMap");
        ObjectMapper json = new ObjectMapper();

        assertThat(at(configMap, "metadata", "namespace")).isEqualTo("monitoring");
        assertThat(map(at(configMap, "metadata", "labels"))).containsEntry("grafana_dashboard", "1");
        assertThat(json.readTree((String) at(configMap, "data", "quorumkv.json")))
                .isEqualTo(json.readTree(Files.readString(CHART.resolve("files/quorumkv-dashboard.json"))));
    }

    @Test
    void theNetworkPolicyAdmitsPeersAndLabelledClientsWhenExternalAccessIsOff() {
        Rendered chart = render(Map.of("networkPolicy.enabled", true, "networkPolicy.allowExternal", false));
        Map<String, Object> policy = chart.one("NetworkPolicy");
        Object podSelector = at(chart.one("StatefulSet"), "spec", "selector", "matchLabels");

        assertThat(at(policy, "spec", "podSelector", "matchLabels")).isEqualTo(podSelector);
        assertThat(at(policy, "spec", "ingress", 0, "ports", 0, "port")).isEqualTo("http");
        assertThat(at(policy, "spec", "ingress", 0, "from")).isEqualTo(List.of(
                Map.of("podSelector", Map.of("matchLabels", podSelector)),
                Map.of("podSelector", Map.of("matchLabels", Map.of(FULLNAME + "-client", "true")))));
        assertThat(at(render(Map.of("networkPolicy.enabled", true)).one("NetworkPolicy"), "spec", "ingress", 0, "from"))
                .as("allowExternal (the default): any source").isNull();
    }

    @Test
    void everyOptionalResourceRendersAtOnce() {
        Rendered chart = render(Map.of("replicaCount", 5, "metrics.serviceMonitor.enabled", true,
                "metrics.prometheusRule.enabled", true, "metrics.dashboard.enabled", true, "networkPolicy.enabled", true));

        assertThat(chart.kinds()).contains("ServiceMonitor", "PrometheusRule", "ConfigMap", "NetworkPolicy", "StatefulSet");
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
            "replicaCount, three, /replicaCount",
            "replicaCount, 0, /replicaCount",
            "replication.w, 0, /replication/w",
            "replication.n, 0, /replication/n",
            "replication.r, two, /replication/r",
            "replication.timeout, soon, /replication/timeout",
            "service.port, http, /service/port",
            "persistence.size, lots, /persistence/size",
            "terminationGracePeriodSeconds, 10, /terminationGracePeriodSeconds",
            "replicaz, 3, replicaz",
            "cluster.initialMembers, 0, /cluster/initialMembers",
            "scaleDown.timeoutSeconds, 0, /scaleDown/timeoutSeconds",
            "persistentVolumeClaimRetentionPolicy.whenScaled, Keep, /persistentVolumeClaimRetentionPolicy/whenScaled",
    })
    void theSchemaRejectsBadValues(String key, String value, String where) {
        assertThatThrownBy(() -> render(Map.of(key, value)))
                .hasMessageContaining("values don't meet the specifications of the schema")
                .hasMessageContaining(where);
    }

    @Test
    void quorumsAndMemberCountsThatCannotWorkAreRefused() {
        assertThatThrownBy(() -> render(Map.of("replication.w", 4)))
                .hasMessageContaining("replication.w (4) must not exceed replication.n (3)");
        assertThatThrownBy(() -> render(Map.of("cluster.initialMembers", 2)))
                .hasMessageContaining("cluster.initialMembers (2) must be at least replication.n (3)");
        assertThatThrownBy(() -> render(Map.of("replicaCount", 2)))
                .hasMessageContaining("replicaCount (2) must be at least replication.n (3)");
        assertThatThrownBy(() -> render(Map.of("replicaCount", 4, "cluster.initialMembers", 5)))
                .hasMessageContaining("replicaCount (4) must be at least cluster.initialMembers (5) at install");
        assertThat(members(render(Map.of("replicaCount", 1, "cluster.initialMembers", 1, "replication.n", 1, "replication.w", 1,
                "replication.r", 1)).one("StatefulSet")))
                .containsExactly("kv-quorumkv-0=http://kv-quorumkv-0.kv-quorumkv-headless.store.svc.cluster.local:8080");
    }

    @Test
    void aBareYamlKeyNInAValuesFileGetsAnExplanation(@TempDir Path dir) throws IOException {
        Path values = Files.writeString(dir.resolve("values.yaml"), "replication:\n  n: 3\n");

        assertThatThrownBy(() -> new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION).withValuesFile(values).call())
                .hasMessageContaining("write the key n as \"n\" (quoted)");
    }

    @Test
    void theHelmTestPodPutsThenGetsAKeyThroughTheClientService(@TempDir Path dir) throws IOException {
        Path hook = CHART.resolve("templates/tests/test-put-get.yaml");
        String template = Files.readString(hook);
        assertThat(template).contains("helm.sh/hook: test");
        // helm-java's template leaves hooks out of its output: render a copy of the chart in which
        // the test pod is an ordinary object.
        Path copy = copyChart(dir);
        Files.writeString(copy.resolve(CHART.relativize(hook)), template.lines()
                .filter(l -> !l.contains("helm.sh/hook")).collect(Collectors.joining("\n", "", "\n")));
        Map<String, Object> pod = new Rendered(parse(new Helm(copy).template().withName(RELEASE).withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION).call())).named("Pod", FULLNAME + "-test-put-get");
        Map<String, Object> container = map(at(pod, "spec", "containers", 0));
        String script = String.join("\n", list(at(container, "command")));

        assertThat(at(pod, "spec", "restartPolicy")).isEqualTo("Never");
        assertThat(map(at(pod, "metadata", "labels"))).containsEntry(FULLNAME + "-client", "true");
        assertThat(at(container, "env", 0)).isEqualTo(Map.of("name", "KV_URL", "value", "http://kv-quorumkv:8080/kv/helm-test-1"));
        int put = script.indexOf("-X PUT");
        int get = script.indexOf("got=$(curl");
        assertThat(put).as("a PUT").isPositive();
        assertThat(get).as("then a GET").isGreaterThan(put);
        assertThat(script).contains("\"$got\" != \"$expected\"").contains("exit 1");
        assertThat(at(container, "securityContext", "allowPrivilegeEscalation")).isEqualTo(false);
    }

    // --- rendering and navigation -------------------------------------------------------------

    private static Rendered render(Map<String, Object> values) {
        var template = new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE).withKubeVersion(KUBE_VERSION);
        values.forEach(template::set);
        return new Rendered(parse(template.call()));
    }

    /**
     * helm-java's template leaves hooks out: render a copy of the chart whose hook annotations are
     * renamed (helm.sh/hook to rendered.test/hook), so the hooks render as ordinary objects.
     */
    private static Rendered renderWithHooks(Path dir, Map<String, Object> values) throws IOException {
        Path copy = copyChart(dir);
        try (Stream<Path> templates = Files.list(copy.resolve("templates"))) {
            for (Path template : templates.filter(t -> t.getFileName().toString().startsWith("scale-down-")).toList()) {
                Files.writeString(template, Files.readString(template).replace("helm.sh/hook", "rendered.test/hook"));
            }
        }
        var template = new Helm(copy).template().withName(RELEASE).withNamespace(NAMESPACE).withKubeVersion(KUBE_VERSION);
        values.forEach(template::set);
        return new Rendered(parse(template.call()));
    }

    private static List<Map<String, Object>> parse(String manifests) {
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object doc : new Yaml().loadAll(manifests)) {
            if (doc != null) {
                docs.add(map(doc));
            }
        }
        return docs;
    }

    record Rendered(List<Map<String, Object>> objects) {

        List<Map<String, Object>> all(String kind) {
            return objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
        }

        Map<String, Object> one(String kind) {
            List<Map<String, Object>> found = all(kind);
            assertThat(found).as("rendered %s objects", kind).hasSize(1);
            return found.get(0);
        }

        Map<String, Object> named(String kind, String name) {
            List<Map<String, Object>> found = all(kind).stream().filter(o -> name.equals(at(o, "metadata", "name"))).toList();
            assertThat(found).as("rendered %s %s", kind, name).hasSize(1);
            return found.get(0);
        }

        List<String> kinds() {
            return objects.stream().map(o -> (String) o.get("kind")).toList();
        }
    }


    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object node) {
        assertThat(node).isInstanceOf(Map.class);
        return (Map<String, Object>) node;
    }

    @SuppressWarnings("unchecked")
    private static <T> List<T> list(Object node) {
        assertThat(node).isInstanceOf(List.class);
        return (List<T>) node;
    }

    private static Map<String, Object> container(Map<String, Object> sts) {
        return map(at(sts, "spec", "template", "spec", "containers", 0));
    }

    private static Map<String, Map<String, Object>> env(Map<String, Object> sts) {
        Map<String, Map<String, Object>> env = new LinkedHashMap<>();
        for (Object entry : list(at(container(sts), "env"))) {
            env.put((String) map(entry).get("name"), map(entry));
        }
        return env;
    }

    private static List<String> members(Map<String, Object> sts) {
        return List.of(((String) at(env(sts).get("QUORUMKV_CLUSTER_MEMBERS"), "value")).split(","));
    }

    private static Map<String, String> mounts(Map<String, Object> sts) {
        Map<String, String> mounts = new LinkedHashMap<>();
        for (Object mount : list(at(container(sts), "volumeMounts"))) {
            mounts.put((String) map(mount).get("name"), (String) map(mount).get("mountPath"));
        }
        return mounts;
    }

    private static Map<String, Map<String, Object>> volumes(Map<String, Object> sts) {
        Map<String, Map<String, Object>> volumes = new LinkedHashMap<>();
        for (Object volume : list(at(sts, "spec", "template", "spec", "volumes"))) {
            volumes.put((String) map(volume).get("name"), map(volume));
        }
        return volumes;
    }

    private static String decode(Object base64) {
        return new String(Base64.getDecoder().decode((String) base64), StandardCharsets.UTF_8);
    }

    private static Path copyChart(Path dir) throws IOException {
        Path copy = dir.resolve("quorumkv");
        try (Stream<Path> tree = Files.walk(CHART)) {
            for (Path source : (Iterable<Path>) tree::iterator) {
                Path target = copy.resolve(CHART.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
        return copy;
    }
}
