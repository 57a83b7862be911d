package dev.quorumkv.membership;

/**
 * Where a member is in its life: JOINING -> NORMAL -> LEAVING -> LEFT. A replacement host (the same id, a new
 * data directory) is JOINING again until it has streamed its partitions. LEFT is final for a host id: it is
 * remembered so that host can never come back with its old data.
 */
public enum MemberState {
    /** Takes writes for the partitions it is gaining (and streams them in); serves reads only from READ_NEW on. */
    JOINING,
    /** Owns its partitions. */
    NORMAL,
    /** Still owns its partitions while they stream to their new owners. */
    LEAVING,
    /** Owns nothing, and its host id may never come back. */
    LEFT
}
