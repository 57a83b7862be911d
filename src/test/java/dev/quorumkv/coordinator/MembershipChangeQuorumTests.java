package dev.quorumkv.coordinator;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.coordinator.FakeReplicas.Mode;
import dev.quorumkv.coordinator.QuorumFailedException.Reason;
import dev.quorumkv.coordinator.QuorumReadService.ReadResult;
import dev.quorumkv.coordinator.QuorumWriteService.WriteResult;
import dev.quorumkv.membership.AdvancePhase;
import dev.quorumkv.membership.Bootstrap;
import dev.quorumkv.membership.Join;
import dev.quorumkv.membership.Leave;
import dev.quorumkv.membership.MemberState;
import dev.quorumkv.membership.Topology;
import dev.quorumkv.membership.TopologyMember;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.time.ManualTimeSource;
import dev.quorumkv.version.Version;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The coordinator (n1) on a placement that changes: n1..n3 with N=3, W=2, R=2, then n4 joins, taking one place in
 * some partitions. For a key of such a partition, {@code stayingA} and {@code stayingB} own it before and after,
 * {@code giving} gives its place to {@code n4}. Replicas are in memory and can be held: "not answered before" is
 * proven by a held replica, not by time.
 */
@Timeout(30)
class MembershipChangeQuorumTests {

    private static final Quorum N3_W2_R2 = new Quorum(3, 2, 2);
    private static final int PARTITIONS = 64;

    private final List<Member> all = IntStream.rangeClosed(1, 4).mapToObj(MembershipChangeQuorumTests::member).toList();
    private final Topology formed = new Bootstrap(IntStream.rangeClosed(1, 3).mapToObj(MembershipChangeQuorumTests::founder).toList(),
            PARTITIONS, 3).apply(Topology.empty());
    private final Topology writeBoth = new Join("n4", host(4), url(4)).apply(formed);
    private final FakeReplicas replicas = new FakeReplicas(all);
    private final CoordinatorFixture fixture = new CoordinatorFixture(new Cluster(all.get(0), formed), replicas, N3_W2_R2,
            Duration.ofMinutes(10), new ManualTimeSource());

    private final String key = keyMovingFromAnOwnerOtherThanN1();
    private final List<Member> oldOwners = formed.writeReplicas(formed.partitionOf(key));
    private final List<Member> newOwners = writeBoth.change().orElseThrow().pending().owners(formed.partitionOf(key));
    private final Member newcomer = member(4);
    private final Member giving = oldOwners.stream().filter(owner -> !newOwners.contains(owner)).findFirst().orElseThrow();
    private final Member stayingA = member(1);
    private final Member stayingB = oldOwners.stream().filter(owner -> !owner.equals(stayingA) && !owner.equals(giving))
            .findFirst().orElseThrow();

    @Test
    void aWriteDuringAJoinWaitsForWOfTheNewOwnersEvenWithWOfTheOldOnes() {
        fixture.cluster.update(writeBoth);
        replicas.set(stayingB, Mode.HELD);
        replicas.set(newcomer, Mode.HELD);

        CompletableFuture<WriteResult> write = put();

        assertThat(replicas.stored(giving, key)).as("the old owners' W: stayingA and giving").isPresent();
        assertThat(replicas.stored(stayingA, key)).isPresent();
        assertThat(write).as("the new owners have one ack of two while n4 and stayingB are held").isNotDone();

        replicas.release(newcomer);

        assertThat(write).isCompleted();
        assertThat(write.join().acks()).isEqualTo(3);
        assertThat(write.join().n()).isEqualTo(3);
        assertThat(replicas.calls()).contains("write:n4:" + key, "write:" + giving.id() + ":" + key);
        replicas.release(stayingB);
    }

    @Test
    void aWriteDuringAJoinWaitsForWOfTheOldOwnersEvenWithWOfTheNewOnes() {
        fixture.cluster.update(writeBoth);
        replicas.set(stayingB, Mode.HELD);
        replicas.set(giving, Mode.HELD);

        CompletableFuture<WriteResult> write = put();

        assertThat(replicas.stored(newcomer, key)).as("the new owners' W: stayingA and n4").isPresent();
        assertThat(write).as("the old owners have one ack of two while giving and stayingB are held").isNotDone();

        replicas.release(giving);

        assertThat(write).isCompleted();
        replicas.release(stayingB);
    }

    @Test
    void aWriteDuringAJoinFailsAsSoonAsTheNewOwnersCanNoLongerHaveW() {
        fixture.cluster.update(writeBoth);
        replicas.set(giving, Mode.HELD);
        replicas.set(stayingB, Mode.FAILING);
        replicas.set(newcomer, Mode.FAILING);

        CompletableFuture<WriteResult> write = put();

        assertThat(write).as("failed while the old owners' answer is still held").isCompletedExceptionally();
        assertThatThrownBy(write::join).cause().isInstanceOfSatisfying(WriteQuorumFailedException.class, failure -> {
            assertThat(failure.reason()).isEqualTo(Reason.FAILED);
            assertThat(failure.acks()).as("acks among the new owners").isLessThan(2);
            assertThat(failure.required()).isEqualTo(2);
            assertThat(failure.n()).isEqualTo(3);
            assertThat(failure.causes()).containsKeys(stayingB.id(), newcomer.id());
        });
        assertThat(fixture.missed.misses()).extracting(KeptMisses.Miss::replica)
                .as("hints for every write replica that missed it, the new owner too").contains(stayingB.id(), newcomer.id());
        assertThat(fixture.count("quorumkv.writes", "failed")).isEqualTo(1);
        replicas.release(giving);
    }

    @Test
    void aWriteWithoutAChangeGoesToTheOwnersOnlyAndNeedsWOfThem() {
        replicas.set(giving, Mode.HELD);

        WriteResult written = put().join();

        assertThat(written.acks()).isEqualTo(2);
        assertThat(replicas.calls()).noneMatch(call -> call.startsWith("write:n4:"));
        replicas.release(giving);
    }

    @Test
    void readsGoToTheOldOwnersUntilReadNewAndToTheNewOwnersFromIt() {
        replicas.seed(giving, key, value(1, "only the old owner has it"));
        fixture.cluster.update(writeBoth);

        fixture.reads.get(key, null).join();
        assertThat(readsOf()).containsExactlyInAnyOrder(stayingA.id(), stayingB.id(), giving.id());

        Topology readNew = new AdvancePhase(writeBoth.epoch() + 1).apply(new AdvancePhase(writeBoth.epoch()).apply(writeBoth));
        fixture.cluster.update(readNew);
        replicas.calls().clear();

        fixture.reads.get(key, null).join();
        assertThat(readsOf()).containsExactlyInAnyOrder(stayingA.id(), stayingB.id(), newcomer.id());
        assertThat(replicas.stored(newcomer, key)).as("read repair reaches the new owner it read").isPresent();
    }

    /**
     * The coordinator was paused holding a write routed before the join: meanwhile the change reached READ_NEW, and the
     * replicas refuse the write as two phases late. It learns the newer epoch and writes again, to the new owners.
     */
    @Test
    void aWriteRoutedTwoPhasesLateIsRefusedAndSentAgainToTheNewOwners() throws Exception {
        Topology readNew = readNew();
        all.stream().filter(member -> !member.equals(stayingA)).forEach(member -> replicas.atEpoch(member, readNew.epoch()));

        CompletableFuture<WriteResult> write = put();

        assertThat(replicas.routed()).contains("write:" + giving.id() + ":" + key + "@" + formed.epoch());
        assertThat(replicas.stored(giving, key)).as("refused: nothing stored").isEmpty();
        assertThat(write).as("waiting for this node's topology to reach the replicas' epoch").isNotDone();

        fixture.cluster.update(readNew);

        WriteResult written = write.get(10, TimeUnit.SECONDS);
        assertThat(written.acks()).isGreaterThanOrEqualTo(2);
        assertThat(replicas.routed()).contains("write:n4:" + key + "@" + readNew.epoch());
        assertThat(replicas.stored(newcomer, key)).isPresent();
        assertThat(fixture.failureDetector.isUp(giving)).as("a stale refusal is no failure").isTrue();
        assertThat(fixture.failureDetector.isUp(stayingB)).isTrue();
        assertThat(fixture.count("quorumkv.writes", "success")).isEqualTo(1);
        assertThat(fixture.count("quorumkv.writes", "failed")).as("one write, counted once").isZero();
    }

    @Test
    void aWriteRefusedAsStaleFailsAsBeforeWhenThisNodeDoesNotReachTheNewerEpochInTime() {
        all.stream().filter(member -> !member.equals(stayingA)).forEach(member -> replicas.atEpoch(member, readNew().epoch()));

        CompletableFuture<WriteResult> write = put();
        fixture.time.advance(Duration.ofMinutes(10));

        assertThatThrownBy(() -> write.get(10, TimeUnit.SECONDS)).cause().isInstanceOfSatisfying(WriteQuorumFailedException.class, failure -> {
            assertThat(failure.reason()).isEqualTo(Reason.FAILED);
            assertThat(failure.causes().get(giving.id())).contains("stale topology");
        });
        assertThat(replicas.routed()).as("sent once, never again").hasSize(3);
        assertThat(fixture.failureDetector.isUp(giving)).isTrue();
        assertThat(fixture.missed.misses()).as("no hint for a replica that refused a stale write").isEmpty();
        assertThat(fixture.count("quorumkv.writes", "failed")).isEqualTo(1);
    }

    /** As for the write: a read routed two phases late is refused, then asked of the new read replicas. */
    @Test
    void aReadRoutedTwoPhasesLateIsRefusedAndAskedAgainOfTheNewOwners() throws Exception {
        Topology readNew = readNew();
        all.stream().filter(member -> !member.equals(stayingA)).forEach(member -> replicas.atEpoch(member, readNew.epoch()));
        replicas.seed(newcomer, key, value(5, "written after the move"));
        replicas.seed(stayingB, key, value(5, "written after the move"));

        CompletableFuture<ReadResult> read = fixture.reads.get(key, null);
        assertThat(read).isNotDone();

        fixture.cluster.update(readNew);

        ReadResult result = read.get(10, TimeUnit.SECONDS);
        assertThat(result.found()).isTrue();
        assertThat(replicas.routed()).contains("read:n4:" + key + "@" + readNew.epoch());
        assertThat(fixture.failureDetector.isUp(giving)).isTrue();
    }

    private Topology readNew() {
        return new AdvancePhase(writeBoth.epoch() + 1).apply(new AdvancePhase(writeBoth.epoch()).apply(writeBoth));
    }

    /** n4 joins, then leaves again: what this node keeps per member follows it in and out. */
    @Test
    void aMemberThatJoinsIsWatchedAndMeteredAndOneThatLeftIsForgotten() {
        assertThat(fixture.failureDetector.watched()).doesNotContain("n4");
        assertThat(fixture.registry.find("quorumkv.replica.requests").tag("peer", "n4").counters()).isEmpty();

        fixture.cluster.update(writeBoth);

        assertThat(fixture.failureDetector.watched()).contains("n4");
        assertThat(fixture.registry.find("quorumkv.replica.requests").tag("peer", "n4").counters()).isNotEmpty();
        assertThat(fixture.registry.find("quorumkv.replica.latency").tag("peer", "n4").timers()).isNotEmpty();
        assertThat(fixture.registry.find("quorumkv.clock.offset").tag("peer", "n4").gauge()).isNotNull();

        Topology joined = finish(writeBoth);
        Topology left = finish(new Leave("n4").apply(joined));
        fixture.cluster.update(left);

        assertThat(fixture.failureDetector.watched()).containsExactlyInAnyOrder("n1", "n2", "n3");
        assertThat(fixture.registry.find("quorumkv.replica.requests").tag("peer", "n4").counters()).isEmpty();
        assertThat(fixture.registry.find("quorumkv.replica.latency").tag("peer", "n4").timers()).isEmpty();
        assertThat(fixture.registry.find("quorumkv.clock.offset").tag("peer", "n4").gauge()).isNull();
        assertThat(fixture.clockOffsets.peers()).extracting(Member::id).containsExactlyInAnyOrder("n2", "n3");
    }

    private CompletableFuture<WriteResult> put() {
        return fixture.writes.put(key, "text/plain", "v".getBytes(StandardCharsets.UTF_8), null, null);
    }

    private List<String> readsOf() {
        return replicas.calls().stream().filter(call -> call.startsWith("read:")).map(call -> call.split(":")[1]).toList();
    }

    /** A key whose partition n4 takes a place in from n2 or n3, so n1 owns it before and after. */
    private String keyMovingFromAnOwnerOtherThanN1() {
        return IntStream.range(0, 10_000).mapToObj(i -> "key-" + i).filter(candidate -> {
            int partition = formed.partitionOf(candidate);
            List<Member> pending = writeBoth.change().orElseThrow().pending().owners(partition);
            return pending.contains(member(4)) && pending.contains(member(1));
        }).findFirst().orElseThrow();
    }

    private static Topology finish(Topology topology) {
        Topology next = topology;
        while (next.isChanging()) {
            next = new AdvancePhase(next.epoch()).apply(next);
        }
        return next;
    }

    private static Versioned value(long physical, String text) {
        return Versioned.value(new Version(physical, 0, "n9"), "text/plain", text.getBytes(StandardCharsets.UTF_8));
    }

    private static TopologyMember founder(int number) {
        return new TopologyMember("n" + number, host(number), url(number), MemberState.NORMAL);
    }

    private static Member member(int number) {
        return new Member("n" + number, url(number));
    }

    private static UUID host(int number) {
        return new UUID(0x5EED, number);
    }

    private static URI url(int number) {
        return URI.create("http://n" + number + ".test:8080");
    }
}
