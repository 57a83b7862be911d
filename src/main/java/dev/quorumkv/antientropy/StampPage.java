package dev.quorumkv.antientropy;

import java.util.List;

/**
 * One page of a replica's keys in selected segments, in {@link dev.quorumkv.storage.KeyOrder}: the keys after
 * the page's start up to its last key, or to the end of the store when there are no more.
 *
 * @param more whether keys after the last one may follow: a page holds at most {@link AntiEntropyReplica#PAGE_KEYS}
 */
public record StampPage(List<KeyStamp> stamps, boolean more) {

    public StampPage {
        stamps = List.copyOf(stamps);
        if (more && stamps.isEmpty()) {
            throw new IllegalArgumentException("a page with more to follow names its last key");
        }
    }

    /** The last key this page covers; null when it covers everything to the end. */
    String lastKey() {
        return more ? stamps.get(stamps.size() - 1).key() : null;
    }
}
