package dev.quorumkv.antientropy;

import java.time.Duration;
import java.time.Instant;

import dev.quorumkv.coordinator.GcGrace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a node that was away longer than gc-grace from serving reads from its old data: meanwhile its peers may
 * have purged tombstones it never received, and the values those deletes removed would come back through it.
 * Closed from start-up until its first anti-entropy round with every peer completes, which copies it every
 * delete its peers still hold.
 */
public class ReadFence {

    private static final Logger log = LoggerFactory.getLogger(ReadFence.class);

    private volatile boolean closed;

    private ReadFence(boolean closed) {
        this.closed = closed;
    }

    /**
     * @param lastRunMillis when this node last ran, as far as its data tells (the clock mark saved with it); 0
     *                      for new data, which holds nothing old
     */
    public static ReadFence afterAbsence(long lastRunMillis, GcGrace gcGrace) {
        long away = gcGrace.time().wallMillis() - lastRunMillis;
        boolean tooLong = lastRunMillis > 0 && away > gcGrace.grace().toMillis();
        if (tooLong) {
            log.warn("This node's data was last written at {}, {} ago, longer than quorumkv.tombstones.gc-grace ({}): "
                    + "it serves no reads until an anti-entropy round with every peer has completed",
                    Instant.ofEpochMilli(lastRunMillis), Duration.ofMillis(away), gcGrace.grace());
        }
        return new ReadFence(tooLong);
    }

    /** @throws ReadsFencedException while closed */
    public void check() {
        if (closed) {
            throw new ReadsFencedException();
        }
    }

    public boolean isClosed() {
        return closed;
    }

    void open() {
        if (closed) {
            closed = false;
            log.info("An anti-entropy round with every peer completed: this node serves reads again");
        }
    }

    /** A read refused while the fence is closed: the node is alive, its data is not yet to be trusted. */
    public static class ReadsFencedException extends RuntimeException {

        ReadsFencedException() {
            super("this node was away longer than gc-grace and serves no reads until an anti-entropy round has completed",
                    null, false, false);
        }
    }
}
