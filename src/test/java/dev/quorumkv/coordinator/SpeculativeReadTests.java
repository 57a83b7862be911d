package dev.quorumkv.coordinator;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.coordinator.FakeReplicas.Mode;
import dev.quorumkv.coordinator.QuorumFailedException.Reason;
import dev.quorumkv.coordinator.QuorumReadService.ReadResult;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.version.Version;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static dev.quorumkv.coordinator.QuorumWriteServiceTests.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Reads with {@code quorumkv.read.speculative-delay} set: R replicas asked, this node first, one more for each that
 * fails or once the delay passes without R replies. The fixture's order after this node is the preference list's.
 */
@Timeout(30)
class SpeculativeReadTests {

    private static final String KEY = "user:7";

    private final CoordinatorFixture fixture = new CoordinatorFixture(3, new Quorum(3, 2, 2), Duration.ofSeconds(1));
    private final Member self = fixture.cluster.self();
    private final List<Member> others = fixture.replicasOf(KEY, 3).stream().filter(replica -> !replica.equals(self)).toList();
    private final Member second = others.get(0);
    private final Member third = others.get(1);

    @Test
    void aReadAsksOnlyRReplicasThisNodeFirstAndSettlesWithoutTheOthers() {
        seedAll(value(100, "v"));

        ReadResult read = fixture.speculativeReads.get(KEY, null).join();

        assertThat(new String(read.newest().orElseThrow().value())).isEqualTo("v");
        assertThat(read.acks()).isEqualTo(2);
        assertThat(fixture.replicas.calls()).containsExactlyInAnyOrder("read:" + self.id() + ":" + KEY, "read:" + second.id() + ":" + KEY);
        assertThat(speculative("failed") + speculative("slow")).isZero();
        assertThat(fixture.time.pending()).as("no speculative timer left behind").isZero();
    }

    @Test
    void aReplicaThatFailsIsReplacedByTheNextAtOnce() {
        seedAll(value(100, "v"));
        fixture.replicas.set(second, Mode.FAILING);

        ReadResult read = fixture.speculativeReads.get(KEY, null).join();

        assertThat(new String(read.newest().orElseThrow().value())).isEqualTo("v");
        assertThat(fixture.replicas.calls()).contains("read:" + third.id() + ":" + KEY);
        assertThat(speculative("failed")).isEqualTo(1);
    }

    /** "Does not wait for the slow replica", by order: the answer is there while it is still held. */
    @Test
    void aSlowReplicaIsJoinedByTheNextOnceTheDelayPassesAndTheReadIsAnsweredWhileItIsHeld() {
        seedAll(value(100, "v"));
        fixture.replicas.set(second, Mode.HELD);

        CompletableFuture<ReadResult> read = fixture.speculativeReads.get(KEY, null);
        fixture.time.advance(CoordinatorFixture.SPECULATIVE_DELAY.minusMillis(1));

        assertThat(read).as("within the delay, the read waits for the replicas it asked").isNotDone();
        assertThat(fixture.replicas.calls()).doesNotContain("read:" + third.id() + ":" + KEY);

        fixture.time.advance(Duration.ofMillis(1));

        assertThat(read).as("answered by this node and the third while the second is held").isCompleted();
        assertThat(new String(read.join().newest().orElseThrow().value())).isEqualTo("v");
        assertThat(speculative("slow")).isEqualTo(1);
        fixture.replicas.release(second);
    }

    @Test
    void theRepliesAskedForDifferRepairsTheOlderBeforeTheAnswerAndLeavesTheReplicaNotAskedToAntiEntropy() {
        fixture.replicas.seed(self, KEY, value(200, "new"));
        fixture.replicas.seed(second, KEY, value(100, "old"));
        fixture.replicas.seed(third, KEY, value(100, "old"));

        ReadResult read = fixture.speculativeReads.get(KEY, null).join();

        assertThat(new String(read.newest().orElseThrow().value())).isEqualTo("new");
        assertThat(new String(fixture.replicas.stored(second, KEY).orElseThrow().value())).isEqualTo("new");
        assertThat(new String(fixture.replicas.stored(third, KEY).orElseThrow().value())).as("not asked").isEqualTo("old");
        assertThat(fixture.registry.get("quorumkv.read.repairs").counter().count()).isEqualTo(1);
    }

    @Test
    void aReplicaMarkedDownIsSkippedWithoutWaitingForTheDelay() {
        seedAll(value(100, "v"));
        fixture.markDown(second);

        ReadResult read = fixture.speculativeReads.get(KEY, null).join();

        assertThat(read.acks()).isEqualTo(2);
        assertThat(fixture.replicas.calls()).containsExactlyInAnyOrder("read:" + self.id() + ":" + KEY, "read:" + third.id() + ":" + KEY);
    }

    @Test
    void aReadFailsOnceMoreReplicasFailedThanNMinusRAndNamesThem() {
        seedAll(value(100, "v"));
        fixture.replicas.set(second, Mode.FAILING);
        fixture.replicas.set(third, Mode.FAILING);

        assertThatThrownBy(() -> fixture.speculativeReads.get(KEY, null).join())
                .cause().isInstanceOfSatisfying(ReadQuorumFailedException.class, failure -> {
                    assertThat(failure.reason()).isEqualTo(Reason.FAILED);
                    assertThat(failure.causes()).containsOnlyKeys(second.id(), third.id());
                });
    }

    @Test
    void aReadAtRNAsksEveryReplica() {
        seedAll(value(100, "v"));

        ReadResult read = fixture.speculativeReads.get(KEY, 3).join();

        assertThat(read.acks()).isEqualTo(3);
        assertThat(fixture.replicas.calls()).hasSize(3);
    }

    @Test
    void aReadOfTwoSlowReplicasAsksTheThirdAfterTheDelayAndStillAnswersOnceOneOfThemDoes() {
        seedAll(value(100, "v"));
        fixture.replicas.set(second, Mode.HELD);
        fixture.replicas.set(third, Mode.HELD);

        CompletableFuture<ReadResult> read = fixture.speculativeReads.get(KEY, null);
        fixture.time.advance(CoordinatorFixture.SPECULATIVE_DELAY);

        assertThat(fixture.replicas.calls()).contains("read:" + third.id() + ":" + KEY);
        assertThat(read).isNotDone();

        fixture.replicas.release(third);

        assertThat(read).isCompleted();
        fixture.replicas.release(second);
    }

    private void seedAll(Versioned value) {
        fixture.replicasOf(KEY, 3).forEach(replica -> fixture.replicas.seed(replica, KEY, value));
    }

    private double speculative(String reason) {
        return fixture.registry.get("quorumkv.read.speculative").tag("reason", reason).counter().count();
    }

    private static Versioned value(long wallMillis, String text) {
        return Versioned.value(new Version(wallMillis, 0, "n1"), "text/plain", bytes(text));
    }
}
