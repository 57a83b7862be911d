package dev.quorumkv.coordinator;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import dev.quorumkv.coordinator.QuorumNetwork.Answer;
import dev.quorumkv.coordinator.QuorumNetwork.Stored;
import dev.quorumkv.version.Version;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The quorum rules, written once and run on two networks (as Apache Ratis runs its basic tests over a
 * simulated network and each real one): {@code InMemoryQuorumScenariosTests} and
 * {@code RealNodeQuorumScenariosIntegrationTests}. "Does not wait for" is proven by order: the answer is
 * there while a replica is still held, and it names the reason it failed for.
 */
abstract class QuorumScenarios {

    private static final AtomicInteger KEYS = new AtomicInteger();

    protected abstract QuorumNetwork network();

    /** Each scenario writes its own keys: no scenario sees another's data. */
    private final String key = getClass().getSimpleName().toLowerCase() + "-" + KEYS.incrementAndGet();

    @AfterEach
    void healTheNetwork() {
        network().healAll();
    }

    @Test
    void aWriteIsAcknowledgedAtWAndEveryReplicaGetsIt() {
        Answer put = network().put(1, key, "v", null, null).join();

        assertThat(put.status()).isEqualTo(200);
        assertThat(put.acks()).isEqualTo(2);
        for (int node = 1; node <= 3; node++) {
            awaitStored(node, put.version(), "v");
        }
        assertRead(2, null, "v", put.version());
    }

    @Test
    void aWriteSucceedsWithOneReplicaDownAndIsReadFromTheOthers() {
        network().stop(3);

        Answer put = network().put(1, key, "v", null, null).join();

        assertThat(put.status()).isEqualTo(200);
        assertThat(put.acks()).isEqualTo(2);
        assertRead(2, null, "v", put.version());
    }

    @Test
    void aWriteAnswersWhileOneReplicaIsHeldAndTheHeldReplicaGetsItOnRelease() {
        network().hold(3);

        Answer put = network().put(1, key, "v", null, null).join();

        assertThat(put.status()).isEqualTo(200);
        assertThat(put.acks()).isEqualTo(2);
        assertThat(network().stored(3, key)).as("still held").isEmpty();
        network().release(3);
        awaitStored(3, put.version(), "v");
    }

    @Test
    void aWriteFailsAsSoonAsMoreThanNMinusWReplicasFailWithoutWaitingForTheHeldOne() {
        network().hold(2);
        network().stop(3);

        Answer put = network().put(1, key, "v", 3, null).join();

        assertThat(put.status()).isEqualTo(503);
        assertThat(put.reason()).as("failed when node3 refused, not timed out waiting for node2").isIn("failed", "unavailable");
        assertThat(put.acks()).isLessThanOrEqualTo(1);
        network().release(2);
        awaitStored(2, null, "v"); // no rollback, no cancel: the held replica still gets the write
    }

    @Test
    void aWriteThatTooFewReplicasAnswerInTimeFailsWithTimeoutAndTheLateOnesStillGetIt() {
        network().hold(2);
        network().hold(3);

        CompletableFuture<Answer> put = network().put(1, key, "v", null, null);
        network().elapse(network().timeout());

        assertThat(put.join().status()).isEqualTo(503);
        assertThat(put.join().reason()).isEqualTo("timeout");
        assertThat(put.join().acks()).isEqualTo(1);
        network().release(2);
        network().release(3);
        awaitStored(2, null, "v");
        awaitStored(3, null, "v");
    }

    @Test
    void requestsFailAtOnceAsUnavailableOnceTooFewReplicasAreKnownUpAndWorkAgainWhenTheyReturn() {
        network().stop(2);
        network().stop(3);

        Answer put = null;
        for (int attempt = 0; attempt < 10 && (put == null || !"unavailable".equals(put.reason())); attempt++) {
            put = network().put(1, key, "v", null, null).join();
            assertThat(put.status()).isEqualTo(503);
        }
        assertThat(put.reason()).as("marked down after repeated failures").isEqualTo("unavailable");
        assertThat(put.acks()).isZero();
        Answer get = network().get(1, key, null).join();
        assertThat(get.status()).isEqualTo(503);
        assertThat(get.reason()).isEqualTo("unavailable");

        network().restart(2);
        network().restart(3);

        assertThat(network().put(1, key, "back", 3, null).join().acks()).isEqualTo(3);
    }

    @Test
    void perRequestQuorumsOverrideTheConfiguredOnes() {
        Answer all = network().put(1, key, "all", 3, null).join();
        assertThat(all.acks()).isEqualTo(3);

        network().hold(2);
        network().hold(3);
        Answer one = network().put(1, key, "one", 1, null).join();
        Answer readOne = network().get(1, key, 1).join();

        assertThat(one.status()).isEqualTo(200);
        assertThat(one.acks()).isEqualTo(1);
        assertThat(readOne.status()).isEqualTo(200);
        assertThat(readOne.value()).as("node1's own copy").isEqualTo("one");
        network().release(2);
        network().release(3);

        for (Integer invalid : new Integer[] {0, 4}) {
            assertThat(network().put(1, key, "refused", invalid, null).join().status()).as("w=%s", invalid).isEqualTo(400);
            assertThat(network().get(1, key, invalid).join().status()).as("r=%s", invalid).isEqualTo(400);
        }
        assertThat(network().get(2, key, 3).join().value()).as("refused writes changed nothing").isEqualTo("one");
    }

    @Test
    void aReadRepairsAReplicaThatMissedTheWrite() {
        network().stop(3);
        Answer put = network().put(1, key, "fresh", null, null).join();
        network().restart(3);
        assertThat(network().stored(3, key)).as("node3 missed the write").isEmpty();

        // Through node3: a read asking only R replicas asks its own first, so it reaches the stale one either way.
        assertRead(3, null, "fresh", put.version());

        awaitStored(3, put.version(), "fresh");
    }

    @Test
    void aReplicaKilledWhileAWriteToItIsHeldIsRepairedOnceItIsBack() {
        network().hold(3);
        Answer put = network().put(1, key, "v", null, null).join();
        assertThat(put.status()).isEqualTo(200);

        network().kill(3);
        network().restart(3);

        assertRead(3, 3, "v", put.version());
        awaitStored(3, put.version(), "v");
    }

    /** W + R > N: whichever replica is held at read time, the read quorum overlaps the write quorum. */
    @Test
    void aReadSeesTheLastAcknowledgedWriteWhicheverReplicaIsHeld() {
        network().hold(3);
        network().put(1, key, "first", null, null).join();
        network().release(3);
        network().hold(2);
        Answer second = network().put(1, key, "second", null, null).join();
        network().release(2);

        for (int held = 1; held <= 3; held++) {
            int coordinator = held == 1 ? 2 : 1;
            network().hold(held);
            assertRead(coordinator, null, "second", second.version());
            network().release(held);
        }
    }

    @Test
    void aDeleteIsAWriteThatWinsAndTheKeyReadsAsNotFound() {
        Answer put = network().put(1, key, "v", null, null).join();

        Answer delete = network().delete(1, key, null).join();

        assertThat(delete.status()).isEqualTo(200);
        assertThat(Version.parse(delete.version())).isGreaterThan(Version.parse(put.version()));
        Answer get = network().get(2, key, null).join();
        assertThat(get.status()).isEqualTo(404);
        assertThat(get.version()).isEqualTo(delete.version());
    }

    /** Node 1 runs ahead and node 3 behind: a client that sends back what it saw keeps its order anyway. */
    @Test
    void aClientsSequentialWritesWithXContextKeepTheirOrderThroughCoordinatorsWhoseClocksDisagree() {
        int[] coordinators = {1, 3, 1, 3, 3, 2, 3};
        String context = null;
        for (int i = 0; i < coordinators.length; i++) {
            Answer put = network().put(coordinators[i], key, "value-" + i, null, context).join();
            assertThat(put.status()).isEqualTo(200);
            if (context != null) {
                assertThat(Version.parse(put.version())).isGreaterThan(Version.parse(context));
            }
            context = put.version();
        }
        assertRead(2, 3, "value-" + (coordinators.length - 1), context);
    }

    private void assertRead(int coordinator, Integer r, String value, String version) {
        Answer get = network().get(coordinator, key, r).join();
        assertThat(get.status()).isEqualTo(200);
        assertThat(get.value()).isEqualTo(value);
        assertThat(get.version()).isEqualTo(version);
    }

    /** The node's own store comes to hold the value (at that version, if given). */
    private void awaitStored(int node, String version, String value) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Optional<Stored> stored = network().stored(node, key);
            assertThat(stored).as("node%d holds %s", node, key).isPresent();
            assertThat(stored.get().value()).isEqualTo(value);
            if (version != null) {
                assertThat(stored.get().version()).isEqualTo(version);
            }
        });
    }
}
