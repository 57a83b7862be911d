package dev.quorumkv.api;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.quorumkv.api.AdmissionControl.OverloadedException;
import dev.quorumkv.api.AdmissionControl.Requester;
import dev.quorumkv.api.AdmissionControl.Reservation;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The byte budget: reserve, refuse at once when it does not fit, give back exactly once, never below zero. */
class AdmissionControlTests {

    /** Clients may use 300 of it, peers all 400. */
    private final AdmissionControl admission = new AdmissionControl(400);

    @Test
    void aReservationCountsUntilReleased() {
        Reservation reservation = admission.reserve(Requester.CLIENT, 120);

        assertThat(admission.inFlightBytes()).isEqualTo(120);
        reservation.release();
        assertThat(admission.inFlightBytes()).isZero();
    }

    @Test
    void aClientRequestThatDoesNotFitIsRefusedAtOnceAndReservesNothing() {
        admission.reserve(Requester.CLIENT, 250);

        assertThatThrownBy(() -> admission.reserve(Requester.CLIENT, 51)).isInstanceOf(OverloadedException.class)
                .hasMessageContaining("cannot take 51 more");
        assertThat(admission.inFlightBytes()).isEqualTo(250);
        assertThat(admission.reserve(Requester.CLIENT, 50).heldBytes()).as("exactly up to the clients' limit").isEqualTo(50);
    }

    @Test
    void peersMayUseTheQuarterClientsLeaveFree() {
        admission.reserve(Requester.CLIENT, 300);

        assertThatThrownBy(() -> admission.reserve(Requester.CLIENT, 1)).isInstanceOf(OverloadedException.class);
        Reservation peer = admission.reserve(Requester.PEER, 100);
        assertThatThrownBy(() -> admission.reserve(Requester.PEER, 1)).isInstanceOf(OverloadedException.class);
        peer.release();
        assertThat(admission.inFlightBytes()).isEqualTo(300);
    }

    @Test
    void releasingTwiceGivesBackOnce() {
        Reservation first = admission.reserve(Requester.CLIENT, 100);
        admission.reserve(Requester.CLIENT, 100);

        first.release();
        first.release();
        first.close();

        assertThat(admission.inFlightBytes()).isEqualTo(100);
    }

    @Test
    void shrinkingGivesBackTheUnusedPartAndReleaseTheRest() {
        Reservation chunked = admission.reserve(Requester.CLIENT, 300);

        chunked.shrinkTo(40);
        assertThat(admission.inFlightBytes()).isEqualTo(40);
        chunked.shrinkTo(100);
        assertThat(admission.inFlightBytes()).as("shrinking never grows").isEqualTo(40);
        chunked.release();
        chunked.shrinkTo(0);
        assertThat(admission.inFlightBytes()).isZero();
    }

    @Test
    void growingTakesOnlyWhatFitsAndIsGivenBackWithTheRest() {
        Reservation read = admission.reserve(Requester.CLIENT, 10);

        assertThat(read.tryGrow(200)).isTrue();
        assertThat(read.tryGrow(100)).as("over the clients' limit").isFalse();
        assertThat(admission.inFlightBytes()).isEqualTo(210);
        read.release();
        assertThat(admission.inFlightBytes()).isZero();
        assertThat(read.tryGrow(10)).as("a released reservation takes no more").isFalse();
        assertThat(admission.inFlightBytes()).isZero();
    }

    @Test
    void growingToATotalTakesOnlyTheDifference() {
        Reservation chunked = admission.reserve(Requester.CLIENT, 100);

        assertThat(chunked.tryGrowTo(250)).isTrue();
        assertThat(chunked.tryGrowTo(200)).as("holds that much already").isTrue();
        assertThat(chunked.tryGrowTo(301)).isFalse();
        assertThat(admission.inFlightBytes()).isEqualTo(250);
    }

    @Test
    void theBudgetIsNeverExceededNorNegativeUnderConcurrentReservationsAndReleases() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        List<Long> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        try {
            for (int t = 0; t < 8; t++) {
                done.add(threads.submit(() -> {
                    start.await();
                    for (int i = 0; i < 20_000; i++) {
                        try {
                            Reservation reservation = admission.reserve(Requester.CLIENT, 37);
                            seen.add(admission.inFlightBytes());
                            reservation.release();
                            reservation.release();
                        }
                        catch (OverloadedException refused) {
                            // refused at once: the point is that nothing leaks and nothing overshoots
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : done) {
                future.get(60, TimeUnit.SECONDS);
            }
        }
        finally {
            threads.shutdownNow();
        }
        assertThat(admission.inFlightBytes()).isZero();
        assertThat(seen).allMatch(bytes -> bytes > 0 && bytes <= 300);
    }

    @Test
    void aNegativeOrEmptyBudgetIsRefused() {
        assertThatThrownBy(() -> new AdmissionControl(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> admission.reserve(Requester.CLIENT, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
