package dev.quorumkv.api;

import dev.quorumkv.coordinator.QuorumWriteService.WriteResult;

/** The JSON body of an acknowledged PUT or DELETE, as DESIGN.md fixes it. */
record WriteResponse(String key, String version, int acks, int w, int n) {

    static WriteResponse of(WriteResult result) {
        return new WriteResponse(result.key(), result.version().toString(), result.acks(), result.w(), result.n());
    }
}
