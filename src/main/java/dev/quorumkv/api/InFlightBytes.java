package dev.quorumkv.api;

/**
 * What a request costs the admission budget ({@link AdmissionControl}): the bytes it makes the node hold,
 * counted copy by copy, so the budget bounds the heap rather than the bodies alone.
 *
 * <p>A client's PUT of a value of V bytes, from the moment its body is read until every replica call has
 * ended (not when the client has its answer: the calls to the slower replicas still carry the value):
 * <ul>
 * <li>the body, read into one array of V bytes, which the value then is (no copy);
 * <li>for this node's own replica, its stored form ({@code VersionedCodec}, V more) while RocksDB takes it;
 * <li>for each peer, nothing on the heap: the value travels as it is, behind a small header; but the HTTP
 *     client copies what it sends into a direct buffer, V per peer while that peer's call is on the wire.
 * </ul>
 * With N replicas that is at most V x (N + 1) (when this node is one of them: 1 + 1 + (N - 1); when it is
 * not: 1 + N), plus {@link #REQUEST_BYTES} for the request itself. A peer's write of V bytes to this
 * node as a replica holds its body, the value decoded from it, and the stored form: V x 3. A GET cannot
 * know its value's size before it has read it: it reserves the request's share, then each value a
 * replica answers with as it arrives (up to N of them until every replica has answered), and holds them
 * until the answer's last byte has gone to the client.
 */
final class InFlightBytes {

    /**
     * A request's own footprint beside its body: the container's request and response objects and
     * buffers, the asynchronous context, the futures and the answer (a few KiB each; rounded up). It is
     * what bounds a flood of small requests.
     */
    static final long REQUEST_BYTES = 16 * 1024;

    /** A peer's write: its body, the value decoded from it, and the form stored. */
    static final int PEER_WRITE_COPIES = 3;

    private final int replicas;

    /** @param replicas N, the replicas every write goes to */
    InFlightBytes(int replicas) {
        this.replicas = replicas;
    }

    /** A client's PUT (or DELETE, with no body) whose body is {@code bodyBytes} long. */
    long clientWrite(long bodyBytes) {
        return REQUEST_BYTES + bodyBytes * (replicas + 1);
    }

    /** A client's GET before it knows the value's size; the value is added when it arrives ({@link #answer}). */
    long clientRead() {
        return REQUEST_BYTES;
    }

    /** A value a replica answered a client's read with, held until the answer has been written out. */
    long answer(long valueBytes) {
        return valueBytes;
    }

    /** A peer's replica write (one or a batch) whose body is {@code bodyBytes} long. */
    long peerWrite(long bodyBytes) {
        return bodyBytes * PEER_WRITE_COPIES;
    }
}
