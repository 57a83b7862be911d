package dev.quorumkv.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.quorumkv.coordinator.QuorumWriteService.WriteResult;

/**
 * The JSON body of an acknowledged PUT or DELETE, as DESIGN.md fixes it. {@code sloppy} and {@code hinted}
 * are there only when the request asked for a sloppy quorum: a strict write's answer is as it always was.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record WriteResponse(String key, String version, int acks, int w, int n, Boolean sloppy, Integer hinted) {

    static WriteResponse of(WriteResult result) {
        return new WriteResponse(result.key(), result.version().toString(), result.acks(), result.w(), result.n(),
                result.sloppy() ? Boolean.TRUE : null, result.sloppy() ? result.hinted() : null);
    }
}
