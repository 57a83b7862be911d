package dev.quorumkv.api;

import java.nio.file.Path;

import dev.quorumkv.QuorumKvApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Bad configuration stops the node at start-up with one sentence that says what to fix. */
class StartupValidationIntegrationTests {

    @TempDir
    Path dir;

    @Test
    void aNodeWithPeersAndNoSecretRefusesToStart() {
        assertThatThrownBy(() -> start("--quorumkv.node-id=a", "--quorumkv.cluster.members=a=http://127.0.0.1:1,b=http://127.0.0.1:2"))
                .rootCause().hasMessageContaining("quorumkv.cluster.secret (env QUORUMKV_CLUSTER_SECRET) is not set");
    }

    @Test
    void aNodeIdThatIsNotAMemberRefusesToStart() {
        assertThatThrownBy(() -> start("--quorumkv.node-id=c", "--quorumkv.cluster.secret=s",
                "--quorumkv.cluster.members=a=http://127.0.0.1:1,b=http://127.0.0.1:2"))
                .rootCause().hasMessageContaining("quorumkv.node-id 'c' is not one of quorumkv.cluster.members");
    }

    @Test
    void wAboveNRefusesToStart() {
        assertThatThrownBy(() -> start("--quorumkv.node-id=a", "--quorumkv.replication.n=3", "--quorumkv.replication.w=4"))
                .rootCause().hasMessageContaining("must not exceed quorumkv.replication.n (3)");
    }

    @Test
    void aNegativeStorageMinFreeRefusesToStart() {
        assertThatThrownBy(() -> start("--quorumkv.node-id=a", "--quorumkv.storage.min-free=-1MB"))
                .rootCause().hasMessageContaining("quorumkv.storage.min-free must not be negative");
    }

    @Test
    void anAdmissionBudgetTooSmallForOnePutAtTheValueLimitRefusesToStart() {
        assertThatThrownBy(() -> start("--quorumkv.node-id=a", "--quorumkv.admission.max-inflight-bytes=1MB"))
                .rootCause().hasMessageContaining("quorumkv.admission.max-inflight-bytes (1048576 bytes) is too small")
                .hasMessageContaining("set it to at least");
    }

    private void start(String... arguments) {
        String[] all = new String[arguments.length + 3];
        System.arraycopy(arguments, 0, all, 0, arguments.length);
        all[arguments.length] = "--server.port=0";
        all[arguments.length + 1] = "--quorumkv.storage.dir=" + dir;
        all[arguments.length + 2] = "--spring.main.banner-mode=off";
        new SpringApplicationBuilder(QuorumKvApplication.class).run(all).close();
    }
}
