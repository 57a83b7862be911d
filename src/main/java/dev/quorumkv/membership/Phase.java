package dev.quorumkv.membership;

/**
 * The phases a membership change moves partitions through, one {@link AdvancePhase} (and one epoch) each, after
 * ScyllaDB's topology over Raft. Nodes learn a new epoch at different times, so each phase exists to make the
 * next one safe while some nodes still act on the one before. The change's driver advances only once every node
 * has the current epoch and finished the requests it began on the one before (a barrier), so at any moment nodes
 * act on at most two neighbouring phases. The promise kept throughout, with W + R > N: a write acknowledged before or
 * during the change is seen by every later quorum read, and is held by W owners once the change is done.
 *
 * <p>While a change runs, a write is acknowledged only once W of the old owners and W of the new owners hold it
 * ({@link Topology#writeQuorums}): the old W keep it visible to reads from the old owners, the new W once reads
 * move. One such write holds both; counting W among old and new together would not.
 *
 * <table>
 *   <caption>Who is read and written in each phase</caption>
 *   <tr><th>phase</th><th>writes</th><th>reads</th></tr>
 *   <tr><td>(no change)</td><td>owners</td><td>owners</td></tr>
 *   <tr><td>WRITE_BOTH</td><td>old and new owners</td><td>old owners</td></tr>
 *   <tr><td>STREAMING</td><td>old and new owners</td><td>old owners</td></tr>
 *   <tr><td>READ_NEW</td><td>old and new owners</td><td>new owners</td></tr>
 *   <tr><td>DROP_OLD</td><td>new owners</td><td>new owners</td></tr>
 * </table>
 * A replacement host is never read before READ_NEW: it has no data until it has streamed.
 */
public enum Phase {
    /**
     * Writes go to the new owners too, reads still to the old. Streaming waits for this phase to reach every node:
     * a node still on the previous epoch would write to the old owners only, after the stream had passed the key,
     * and the new owners would miss it.
     */
    WRITE_BOTH,
    /**
     * The new owners copy the moved partitions from the old ones (a replacement from all its partitions' other
     * owners, since its old disk is gone). Routing is as in WRITE_BOTH; the phase records that streaming may have
     * begun, so a driver that restarts knows to stream, and that the WRITE_BOTH barrier was passed.
     */
    STREAMING,
    /**
     * Streaming has finished: reads go to the new owners, which now hold everything acknowledged. Writes still go
     * to both, because nodes that have not learned this phase still read the old owners. From here the change can
     * only go forward: a read may already have returned a value only the new owners hold, and going back would
     * lose it.
     */
    READ_NEW,
    /**
     * Every node reads the new owners (the driver advanced here only once all had READ_NEW), and writes go to the
     * new owners only. Once this phase has reached every node, none reads or writes the old owners any more, and
     * they drop the partitions they gave away. The next advance ends the change: the new map becomes the owners,
     * a joiner or replacement NORMAL, a leaver LEFT.
     */
    DROP_OLD;

    /** The phase after this one; DROP_OLD has none (the change is done). */
    Phase next() {
        if (this == DROP_OLD) {
            throw new IllegalStateException("DROP_OLD is the last phase: the change is done after it");
        }
        return values()[ordinal() + 1];
    }

    /** Whether writes go to the new owners as well as the old. */
    boolean writesBoth() {
        return this != DROP_OLD;
    }

    /** Whether reads go to the new owners. */
    boolean readsNew() {
        return this == READ_NEW || this == DROP_OLD;
    }

    /** Whether the change can still be aborted: nothing has been read from the new owners yet. */
    boolean abortable() {
        return !readsNew();
    }
}
