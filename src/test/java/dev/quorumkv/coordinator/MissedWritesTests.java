package dev.quorumkv.coordinator;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.coordinator.FakeReplicas.Mode;
import dev.quorumkv.coordinator.KeptMisses.Miss;
import dev.quorumkv.coordinator.QuorumWriteService.WriteResult;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.version.Version;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static dev.quorumkv.coordinator.QuorumWriteServiceTests.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which replicas the coordinator reports as having missed a write, for hinted handoff to keep it for them. */
@Timeout(30)
class MissedWritesTests {

    private static final String KEY = "cart:42";

    private final CoordinatorFixture fixture = new CoordinatorFixture(3, new Quorum(3, 2, 2), Duration.ofMinutes(10));
    private final List<Member> peers = fixture.replicasOf(KEY, 3).stream()
            .filter(replica -> !replica.equals(fixture.cluster.self())).toList();

    @Test
    void aReplicaMarkedDownIsSentNothingAndReportedWithTheWritesVersion() {
        Member down = peers.get(0);
        fixture.markDown(down);

        WriteResult written = put();

        assertThat(fixture.replicas.calls()).doesNotContain("write:" + down.id() + ":" + KEY);
        assertThat(fixture.missed.misses()).containsExactly(new Miss(down.id(), KEY, written.version()));
    }

    @Test
    void aReplicaWhoseWriteFailedOrWasRefusedAsOverloadedIsReported() {
        fixture.replicas.set(peers.get(0), Mode.FAILING);
        fixture.replicas.set(peers.get(1), Mode.OVERLOADED);

        assertThatThrownBy(this::put).hasCauseInstanceOf(WriteQuorumFailedException.class);

        assertThat(fixture.missed.misses()).extracting(Miss::replica).containsExactlyInAnyOrder(peers.get(0).id(), peers.get(1).id());
    }

    /** A 4xx would be the answer again: what a replica refused for good is not kept for it. */
    @Test
    void aReplicaThatRefusedTheWriteOrAnsweredIsNotReported() {
        fixture.replicas.set(peers.get(0), Mode.REJECTING);

        put();

        assertThat(fixture.missed.misses()).isEmpty();
    }

    @Test
    void aReplicaThatHoldsANewerVersionMissedNothing() {
        Versioned newer = Versioned.value(new Version(fixture.time.wallMillis() + 60_000, 0, "n3"), "text/plain", bytes("newer"));
        fixture.replicas.seed(peers.get(0), KEY, newer);
        fixture.replicas.set(peers.get(1), Mode.FAILING);

        WriteResult written = put();

        assertThat(written.version()).as("stamped again past the newer version").isGreaterThan(newer.version());
        assertThat(fixture.missed.misses()).extracting(Miss::replica).containsOnly(peers.get(1).id());
        assertThat(fixture.missed.misses()).as("each fan-out reports its own version; the last is the acknowledged one")
                .extracting(Miss::version).last().isEqualTo(written.version());
    }

    @Test
    void aWriteRefusedAsUnavailableSentNothingAndReportsNothing() {
        peers.forEach(fixture::markDown);

        assertThatThrownBy(this::put).hasCauseInstanceOf(WriteQuorumFailedException.class);

        assertThat(fixture.missed.misses()).isEmpty();
    }

    /** Until the missed write is kept, its value is still held in memory, and admission must go on counting it. */
    @Test
    void theValueIsReleasedOnlyOnceTheMissedWriteHasBeenKept() {
        fixture.markDown(peers.get(0));
        fixture.missed.hold();
        AtomicInteger released = new AtomicInteger();

        fixture.writes.put(KEY, "text/plain", bytes("v"), null, false, null, released::incrementAndGet).join();

        assertThat(released).hasValue(0);
        fixture.missed.release();
        assertThat(released).hasValue(1);
    }

    private WriteResult put() {
        return fixture.writes.put(KEY, "text/plain", bytes("v"), null, null).join();
    }
}
