package dev.quorumkv.replica;

/**
 * The internal replica API as both of its sides see it: the paths peers call ({@code api.ReplicaController}
 * serves them, {@link WebClientReplicaClient} calls them) and the size bounds of its bodies. The bodies'
 * encodings are {@link dev.quorumkv.storage.VersionedCodec} and {@link ReplicaBatchCodec}.
 */
public final class InternalApi {

    /** One key: POST stores a versioned value or tombstone, GET answers the newest version held (204: none). */
    public static final String KEY_PATH = "/internal/replica/{key}";
    /** POST: several writes from one coordinator in one call. */
    public static final String WRITE_BATCH_PATH = "/internal/replica";
    /** POST: several reads in one call. Two path segments, so no key's path can collide with it. */
    public static final String READ_BATCH_PATH = "/internal/replica/batch/read";
    /**
     * POST: hold a versioned value or tombstone of {@code key} as a hint for the member {@code target}, which is
     * down (a sloppy quorum's stand-in); 204 once it is kept.
     */
    public static final String HINT_PATH = "/internal/hints/{target}/{key}";

    /** GET: the roots of this node's hash trees, one per partition ({@link AntiEntropyCodec}). */
    public static final String AAE_ROOTS_PATH = "/internal/aae/roots";
    /** GET: the segment hashes of one partition's hash tree. */
    public static final String AAE_SEGMENTS_PATH = "/internal/aae/segments/{partition}";
    /** POST: a page of the keys held in the segments the body selects, with their versions. */
    public static final String AAE_STAMPS_PATH = "/internal/aae/stamps";
    /** GET: this node's progress through the running membership change, JSON (membership's MemberProgress). */
    public static final String MEMBERSHIP_PROGRESS_PATH = "/internal/membership/progress";

    /**
     * A batch's encoded size stays below this: a sender stops adding requests to a batch past it, and a
     * replica stops adding answers to a batched read's answer past it (the sender asks again for the rest).
     */
    public static final int MAX_BATCH_BYTES = 1024 * 1024;

    /**
     * Header of a 503 that means "alive, but no room for this call now" (the replica's admission budget is
     * full): the caller takes it as a refusal, not as the replica failing, and never marks it down for it.
     */
    public static final String OVERLOADED = "X-Quorumkv-Overloaded";

    /**
     * Header of every replica call a coordinator routed with a placement: that placement's epoch. A replica more
     * than one epoch ahead of it refuses the call (409 "Stale topology"); every internal answer carries the
     * answering node's own epoch in it. A call without it (hint delivery, anti-entropy, an older node) is served.
     */
    public static final String EPOCH = "X-Quorumkv-Epoch";

    /** Room in a body for the version, content type and framing around the value. */
    private static final long ENVELOPE_BYTES = 64 * 1024;

    private InternalApi() {
    }

    /** The largest body either side accepts: one value at the client limit, or a batch, plus its envelope. */
    public static long maxBodyBytes(long maxValueBytes) {
        return Math.max(maxValueBytes, MAX_BATCH_BYTES) + ENVELOPE_BYTES;
    }
}
