package dev.quorumkv.coordinator;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.coordinator.FakeReplicas.Mode;
import dev.quorumkv.coordinator.KeptMisses.Miss;
import dev.quorumkv.coordinator.QuorumFailedException.Reason;
import dev.quorumkv.coordinator.QuorumWriteService.WriteResult;
import dev.quorumkv.time.ManualTimeSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static dev.quorumkv.coordinator.QuorumWriteServiceTests.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The sloppy quorum ({@code ?sloppy=true}) on five members n1..n5, N=3 W=2, coordinated by n1: owners marked
 * down are stood in for by the next members up around the ring, which hold the write as hints for them.
 */
@Timeout(30)
class SloppyQuorumTests {

    private static final Quorum N3_W2_R2 = new Quorum(3, 2, 2);
    private static final Duration NO_TIMEOUT_IN_THIS_TEST = Duration.ofMinutes(10);

    private final CoordinatorFixture fixture = new CoordinatorFixture(5, N3_W2_R2, NO_TIMEOUT_IN_THIS_TEST);

    @Test
    void aStrictWriteWithTwoOfThreeOwnersDownIsUnavailableAsBefore() {
        String key = keyOwnedBy("n2", "n3", "n4");
        down("n3", "n4");

        assertThatThrownBy(() -> put(key, null, false).join()).cause().isInstanceOfSatisfying(QuorumFailedException.class,
                failure -> assertThat(failure.reason()).isEqualTo(Reason.UNAVAILABLE));
        assertThat(fixture.replicas.calls()).as("nothing sent").isEmpty();
    }

    @Test
    void aSloppyWriteWithTwoOfThreeOwnersDownSucceedsWithOneStandIn() {
        String key = keyOwnedBy("n2", "n3", "n4");
        down("n3", "n4");

        WriteResult written = put(key, null, true).join();

        assertThat(written.acks()).isEqualTo(2);
        assertThat(written.w()).isEqualTo(2);
        assertThat(written.n()).isEqualTo(3);
        assertThat(written.sloppy()).isTrue();
        assertThat(written.hinted()).isEqualTo(1);
        assertThat(fixture.replicas.stored(member("n2"), key)).hasValueSatisfying(
                stored -> assertThat(stored.version()).isEqualTo(written.version()));
        // n5 is the first member after the primary n2 that is up and owns no copy; it holds the write for n3,
        // the first owner down. Nothing is stored on it as a replica.
        assertThat(fixture.replicas.calls()).containsExactlyInAnyOrder("write:n2:" + key, "hold:n5:n3:" + key);
        assertThat(fixture.replicas.hints(member("n5"))).containsOnlyKeys("n3:" + key);
        assertThat(fixture.replicas.stored(member("n5"), key)).isEmpty();
        assertThat(fixture.registry.get("quorumkv.write.under_replicated").counter().count())
                .as("a stand-in is not a replica").isEqualTo(1);
    }

    @Test
    void theCoordinatorKeepsAHintOnlyForTheOwnerNoStandInHolds() {
        String key = keyOwnedBy("n2", "n3", "n4");
        down("n3", "n4");

        WriteResult written = put(key, null, true).join();

        assertThat(fixture.missed.misses()).containsExactly(new Miss("n4", key, written.version()));
    }

    @Test
    void anOwnerWhoseStandInFailedIsReportedMissedAndTheWriteFails() {
        String key = keyOwnedBy("n2", "n3", "n4");
        down("n3", "n4");
        fixture.replicas.set(member("n5"), Mode.OVERLOADED);

        assertThatThrownBy(() -> put(key, null, true).join()).cause().isInstanceOfSatisfying(QuorumFailedException.class,
                failure -> assertThat(failure.reason()).isEqualTo(Reason.FAILED));

        assertThat(fixture.missed.misses()).extracting(Miss::replica).containsExactlyInAnyOrder("n3", "n4");
    }

    @Test
    void aSloppyWriteWithEnoughOwnersUpIsSentOnlyToTheOwners() {
        String key = keyOwnedBy("n2", "n3", "n4");
        down("n4");

        WriteResult written = put(key, null, true).join();

        assertThat(written.sloppy()).isTrue();
        assertThat(written.hinted()).isZero();
        assertThat(fixture.replicas.calls()).noneMatch(call -> call.startsWith("hold:"));
        assertThat(fixture.missed.misses()).extracting(Miss::replica).containsExactly("n4");
    }

    @Test
    void theCoordinatorStandsInItselfWhenItIsTheNextMemberUp() {
        String key = keyOwnedBy("n3", "n4", "n5");
        down("n4", "n5");

        WriteResult written = put(key, null, true).join();

        assertThat(written.hinted()).isEqualTo(1);
        assertThat(fixture.replicas.calls()).contains("hold:n1:n4:" + key);
    }

    @Test
    void everyCoordinatorPicksTheSameStandInsNeverAnOwnerNorAMemberDown() {
        CoordinatorFixture other = new CoordinatorFixture(fixture.members, fixture.replicas, "n3", N3_W2_R2,
                NO_TIMEOUT_IN_THIS_TEST, new ManualTimeSource());
        StandInPicker fromN1 = new StandInPicker(fixture.failureDetector);
        StandInPicker fromN3 = new StandInPicker(other.failureDetector);
        List<Member> markedDown = List.of(member("n2"), member("n4"));
        markedDown.forEach(fixture::markDown);
        markedDown.forEach(other::markDown);

        for (String key : IntStream.range(0, 200).mapToObj(i -> "key-" + i).toList()) {
            List<Member> owners = fixture.replicasOf(key, 3);
            Map<Member, Member> picked = fromN1.pick(fixture.cluster.placement(), owners, List.of(owners), 3);

            assertThat(fromN3.pick(other.cluster.placement(), owners, List.of(owners), 3)).as(key).isEqualTo(picked);
            assertThat(picked.keySet()).as(key).doesNotContainAnyElementsOf(owners).doesNotContainAnyElementsOf(markedDown);
            assertThat(picked.values()).as(key).containsExactlyElementsOf(owners.stream().filter(markedDown::contains).toList());
        }
    }

    @Test
    void aSloppyWriteFailsAsUnavailableWhenTooFewMembersAreUpToStandIn() {
        String key = keyOwnedBy("n2", "n3", "n4");
        down("n3", "n4", "n5");

        // W=3 needs two stand-ins; only n1 is up outside the owners.
        assertThatThrownBy(() -> put(key, 3, true).join()).cause().isInstanceOfSatisfying(QuorumFailedException.class, failure -> {
            assertThat(failure.reason()).isEqualTo(Reason.UNAVAILABLE);
            assertThat(failure.acks()).isZero();
            assertThat(failure.required()).isEqualTo(3);
            assertThat(failure.causes()).containsOnlyKeys("n4");
            assertThat(failure.causes().get("n4")).contains("no member outside the key's replicas is up to stand in");
        });
        assertThat(fixture.replicas.calls()).as("nothing sent").isEmpty();
        assertThat(fixture.count("quorumkv.writes", "unavailable")).isEqualTo(1);
    }

    @Test
    void aSloppyDeleteIsHeldForTheOwnerAsATombstone() {
        String key = keyOwnedBy("n2", "n3", "n4");
        down("n3", "n4");

        WriteResult deleted = fixture.writes.delete(key, null, true, null).join();

        assertThat(deleted.hinted()).isEqualTo(1);
        assertThat(fixture.replicas.hints(member("n5")).get("n3:" + key).isTombstone()).isTrue();
    }

    private CompletableFuture<WriteResult> put(String key, Integer w, boolean sloppy) {
        return fixture.writes.put(key, "text/plain", bytes("v"), w, sloppy, null, () -> { });
    }

    /** Marks members down in the coordinator's failure detector, and has them fail every call. */
    private void down(String... ids) {
        for (String id : ids) {
            fixture.replicas.set(member(id), Mode.FAILING);
            fixture.markDown(member(id));
        }
    }

    private Member member(String id) {
        return fixture.members.stream().filter(member -> member.id().equals(id)).findFirst().orElseThrow();
    }

    private String keyOwnedBy(String... owners) {
        List<String> wanted = List.of(owners);
        return IntStream.range(0, 10_000).mapToObj(i -> "key-" + i)
                .filter(key -> fixture.replicasOf(key, 3).stream().map(Member::id).toList().equals(wanted))
                .findFirst().orElseThrow();
    }
}
