package dev.quorumkv.version;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HybridLogicalClockTests {

    private final MutableClock wall = new MutableClock(1_763_935_200_000L);
    private final HybridLogicalClock clock = new HybridLogicalClock("n1", wall, Duration.ofMinutes(1));

    @Test
    void versionsFollowTheWallClockWhenItMovesForward() {
        Version first = clock.stamp();
        wall.advance(5);
        Version second = clock.stamp();

        assertThat(first.wallMillis()).isEqualTo(1_763_935_200_000L);
        assertThat(second).isEqualTo(new Version(1_763_935_200_005L, 0, "n1"));
    }

    @Test
    void versionsStayStrictlyIncreasingWhenTheWallClockStallsOrJumpsBack() {
        Version previous = clock.stamp();
        long[] moves = {0, 0, -1_000, 0, 3, -60_000, 2, 0, 120_000, -5};
        for (long move : moves) {
            wall.advance(move);
            Version next = clock.stamp();
            assertThat(next).isGreaterThan(previous);
            previous = next;
        }
    }

    @Test
    void stampAfterAContextIsNewerThanTheContextEvenFromAFasterNode() {
        Version fromFasterNode = new Version(wall.millis() + 30_000, 7, "n2");

        Version stamped = clock.stampAfter(fromFasterNode);

        assertThat(stamped).isGreaterThan(fromFasterNode);
        assertThat(clock.stamp()).as("the clock stays past it").isGreaterThan(stamped);
    }

    @Test
    void aContextFurtherAheadThanTheBoundIsRefusedAndLeavesTheClockAlone() {
        Version farFuture = new Version(wall.millis() + 61_000, 0, "n2");

        assertThatThrownBy(() -> clock.stampAfter(farFuture)).isInstanceOf(ContextTooFarAheadException.class)
                .hasMessageContaining("ahead of this node's clock");
        assertThat(clock.stamp().wallMillis()).isEqualTo(wall.millis());
    }

    @Test
    void observedVersionsMoveTheClockForward() {
        clock.observe(new Version(wall.millis() + 2_000, 3, "n3"));

        assertThat(clock.stamp()).isEqualTo(new Version(wall.millis() + 2_000, 4, "n1"));
    }

    @Test
    void aCounterOverflowCarriesIntoTheMillisecondAndKeepsOrder() {
        Version atLimit = new Version(wall.millis(), (1 << 20) - 1, "n2");
        clock.observe(atLimit);

        Version next = clock.stamp();

        assertThat(next).isGreaterThan(atLimit);
        assertThat(next.wallMillis()).isEqualTo(wall.millis() + 1);
    }

    /** A wall clock the test moves by hand, backwards too. */
    static final class MutableClock extends Clock {

        private final AtomicLong millis;

        MutableClock(long millis) {
            this.millis = new AtomicLong(millis);
        }

        void advance(long delta) {
            millis.addAndGet(delta);
        }

        @Override
        public long millis() {
            return millis.get();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }

        @Override
        public ZoneId getZone() {
            return ZoneId.of("UTC");
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
