package dev.quorumkv.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Helm chart's scale-down hook script (helm/quorumkv/files/scale-down), run by sh against a
 * fake cluster: a fake curl answers the admin API from a topology file, fake date and sleep keep
 * time without waiting. It needs sh and jq, as the image does; without jq the tests are skipped.
 */
class ScaleDownScriptTests {

    private static final Path SCRIPT = Path.of("helm", "quorumkv", "files", "scale-down", "scale-down.sh");

    /**
     * The admin API of a cluster in $FAKE/topology.json. A DELETE answers the next line of
     * $FAKE/answer-&lt;id&gt; (202 when none is left) and a 202 makes the member LEAVING; the next
     * GET makes LEAVING members LEFT, unless $FAKE/stuck exists. Calls go to $FAKE/calls, the
     * headers read from stdin to $FAKE/headers.
     */
    private static final String FAKE_CURL = """
            #!/bin/sh
            out=; method=GET; url=
            while [ $# -gt 0 ]; do
              case $1 in
                -o) out=$2; shift 2 ;;
                -X) method=$2; shift 2 ;;
                -w|-H|--connect-timeout|--max-time) shift 2 ;;
                -*) shift ;;
                *) url=$1; shift ;;
              esac
            done
            cat > "$FAKE/headers"
            path=${url#http://*/}
            echo "$method /$path" >> "$FAKE/calls"
            t=$FAKE/topology.json
            case $method in
              GET)
                [ -e "$FAKE/stuck" ] || { jq '.members |= map(if .state == "LEAVING" then .state = "LEFT" else . end)' "$t" > "$t.new" && mv "$t.new" "$t"; }
                cp "$t" "$out"; printf 200 ;;
              DELETE)
                id=${path#admin/members/}
                status=202
                if [ -s "$FAKE/answer-$id" ]; then status=$(head -n 1 "$FAKE/answer-$id"); sed -i 1d "$FAKE/answer-$id"; fi
                if [ "$status" = 202 ]; then
                  jq --arg id "$id" '.members |= map(if .id == $id then .state = "LEAVING" else . end)' "$t" > "$t.new" && mv "$t.new" "$t"
                fi
                echo "{\\"detail\\":\\"$status for $id\\"}" > "$out"; printf '%s' "$status" ;;
            esac
            """;

    /** Time in $FAKE/now: date +%s reads it, sleep adds to it. */
    private static final String FAKE_DATE = "#!/bin/sh\ncat \"$FAKE/now\"\n";

    private static final String FAKE_SLEEP = "#!/bin/sh\necho $(( $(cat \"$FAKE/now\") + $1 )) > \"$FAKE/now\"\n";

    @TempDir
    Path fake;

    @BeforeEach
    void fakeTools() throws IOException, InterruptedException {
        assumeThat(new ProcessBuilder("jq", "--version").start().waitFor()).as("jq on this machine").isZero();
        install("curl", FAKE_CURL);
        install("date", FAKE_DATE);
        install("sleep", FAKE_SLEEP);
        Files.writeString(fake.resolve("now"), "1000\n");
        Files.writeString(fake.resolve("calls"), "");
    }

    @Test
    void decommissionsTheHighestOrdinalsFirstOneAtATimeRetryingWhileAnotherChangeIsInProgress() throws Exception {
        cluster("kv-quorumkv-0", "NORMAL", "kv-quorumkv-1", "NORMAL", "kv-quorumkv-2", "NORMAL", "kv-quorumkv-3", "NORMAL",
                "kv-quorumkv-4", "NORMAL", "kv-quorumkv-10", "NORMAL", "added-by-hand-7", "NORMAL");
        Files.writeString(fake.resolve("answer-kv-quorumkv-4"), "409\n409\n");

        Run run = run(3);

        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(deletes()).containsExactly("kv-quorumkv-10", "kv-quorumkv-4", "kv-quorumkv-4", "kv-quorumkv-4", "kv-quorumkv-3");
        assertThat(states()).containsEntry("kv-quorumkv-10", "LEFT").containsEntry("kv-quorumkv-4", "LEFT")
                .containsEntry("kv-quorumkv-3", "LEFT").containsEntry("kv-quorumkv-2", "NORMAL")
                .containsEntry("added-by-hand-7", "NORMAL");
        assertThat(Files.readString(fake.resolve("headers"))).isEqualTo("Authorization: Bearer the-secret\n");
        assertThat(run.output()).contains("another membership change is in progress");
    }

    @Test
    void eachMemberHasLeftBeforeTheNextIsDecommissioned() throws Exception {
        cluster("kv-quorumkv-0", "NORMAL", "kv-quorumkv-1", "NORMAL", "kv-quorumkv-2", "NORMAL", "kv-quorumkv-3", "NORMAL",
                "kv-quorumkv-4", "NORMAL");

        Run run = run(3);

        List<String> calls = Files.readAllLines(fake.resolve("calls"));
        int first = calls.indexOf("DELETE /admin/members/kv-quorumkv-4");
        int second = calls.indexOf("DELETE /admin/members/kv-quorumkv-3");
        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(first).isNotNegative();
        assertThat(calls.subList(first + 1, second)).as("polled the topology in between").contains("GET /admin/topology");
    }

    @Test
    void nothingToDecommissionExitsAtOnce() throws Exception {
        cluster("kv-quorumkv-0", "NORMAL", "kv-quorumkv-1", "NORMAL", "kv-quorumkv-2", "NORMAL");

        Run run = run(3);

        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(Files.readAllLines(fake.resolve("calls"))).containsExactly("GET /admin/topology");
        assertThat(run.output()).contains("nothing to decommission for replicaCount=3");
    }

    @Test
    void membersAlreadyLeftOrLeavingAreNotDecommissionedAgain() throws Exception {
        cluster("kv-quorumkv-0", "NORMAL", "kv-quorumkv-1", "NORMAL", "kv-quorumkv-2", "NORMAL", "kv-quorumkv-3", "LEAVING",
                "kv-quorumkv-4", "LEFT");

        Run run = run(3);

        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(deletes()).isEmpty();
        assertThat(states()).containsEntry("kv-quorumkv-3", "LEFT");
    }

    @Test
    void aRefusalFailsTheJobWithTheClustersMessageAndGoesNoFurther() throws Exception {
        cluster("kv-quorumkv-0", "NORMAL", "kv-quorumkv-1", "NORMAL", "kv-quorumkv-2", "NORMAL", "kv-quorumkv-3", "NORMAL");
        Files.writeString(fake.resolve("answer-kv-quorumkv-3"), "400\n");

        Run run = run(2);

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.output()).contains("kv-quorumkv-3: the cluster refused to decommission it: {\"detail\":\"400 for kv-quorumkv-3\"}");
        assertThat(deletes()).containsExactly("kv-quorumkv-3");
    }

    @Test
    void aMemberThatDoesNotLeaveInTimeFailsTheJob() throws Exception {
        cluster("kv-quorumkv-0", "NORMAL", "kv-quorumkv-1", "NORMAL", "kv-quorumkv-2", "NORMAL", "kv-quorumkv-3", "NORMAL");
        Files.writeString(fake.resolve("stuck"), "");

        Run run = run(3);

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.output()).contains("kv-quorumkv-3: still LEAVING after 60s");
        assertThat(Integer.parseInt(Files.readString(fake.resolve("now")).trim())).as("fake time").isBetween(1060, 1070);
    }

    @Test
    void anUnauthorisedAnswerFailsAtOnce() throws Exception {
        cluster("kv-quorumkv-0", "NORMAL", "kv-quorumkv-1", "NORMAL", "kv-quorumkv-2", "NORMAL", "kv-quorumkv-3", "NORMAL");
        Files.writeString(fake.resolve("answer-kv-quorumkv-3"), "401\n");

        Run run = run(3);

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.output()).contains("DELETE /admin/members/kv-quorumkv-3 answered 401");
    }

    // --- the fake cluster -------------------------------------------------------------------

    record Run(int exit, String output) {
    }

    private Run run(int targetReplicas) throws IOException, InterruptedException {
        ProcessBuilder sh = new ProcessBuilder("sh", SCRIPT.toAbsolutePath().toString()).redirectErrorStream(true);
        Map<String, String> env = sh.environment();
        env.put("PATH", fake + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("FAKE", fake.toString());
        env.put("ADMIN_URL", "http://kv-quorumkv.store.svc.cluster.local:8080");
        env.put("MEMBER_PREFIX", "kv-quorumkv");
        env.put("TARGET_REPLICAS", Integer.toString(targetReplicas));
        env.put("TIMEOUT_SECONDS", "60");
        env.put("POLL_SECONDS", "5");
        env.put("CLUSTER_SECRET", "the-secret");
        Process process = sh.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("the script ends").isTrue();
        return new Run(process.exitValue(), output);
    }

    private void cluster(String... idsAndStates) throws IOException {
        StringBuilder members = new StringBuilder();
        for (int i = 0; i < idsAndStates.length; i += 2) {
            members.append(i == 0 ? "" : ",").append("{\"id\":\"%s\",\"hostId\":\"h%d\",\"url\":\"http://%s:8080\",\"state\":\"%s\"}"
                    .formatted(idsAndStates[i], i, idsAndStates[i], idsAndStates[i + 1]));
        }
        Files.writeString(fake.resolve("topology.json"),
                "{\"epoch\":7,\"partitions\":1024,\"members\":[" + members + "],\"moves\":[]}");
    }

    private List<String> deletes() throws IOException {
        return Files.readAllLines(fake.resolve("calls")).stream().filter(c -> c.startsWith("DELETE "))
                .map(c -> c.substring("DELETE /admin/members/".length())).toList();
    }

    private Map<String, String> states() throws IOException, InterruptedException {
        Process jq = new ProcessBuilder("jq", "-r", ".members[] | \"\\(.id) \\(.state)\"", fake.resolve("topology.json").toString()).start();
        String out = new String(jq.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        jq.waitFor();
        return out.lines().map(l -> l.split(" ")).collect(java.util.stream.Collectors.toMap(p -> p[0], p -> p[1]));
    }

    private void install(String name, String script) throws IOException {
        Path file = Files.writeString(fake.resolve(name), script);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
