package dev.quorumkv.replica;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import dev.quorumkv.cluster.ClockOffsets;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.coordinator.ReplicaOverloadedException;
import dev.quorumkv.coordinator.ReplicaRejectedException;
import dev.quorumkv.coordinator.StaleTopologyException;
import dev.quorumkv.coordinator.StandInClient;
import dev.quorumkv.storage.KeyedValue;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.storage.VersionedCodec;
import dev.quorumkv.time.TimeSource;
import dev.quorumkv.version.Version;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/**
 * The HTTP adapter of {@link ReplicaClient}: peers' {@code /internal/replica/{key}}, non-blocking through
 * WebClient, with the cluster secret as a bearer token. The body is {@link VersionedCodec}'s binary form.
 * A GET of a key the replica does not hold answers 204, so a 404 (wrong URL) is never mistaken for "absent".
 * A read or write routed with a placement carries its epoch ({@link InternalApi#EPOCH}), as every answer carries
 * the peer's clock: a 409 naming the peer's epoch is its refusal of a call routed with a stale topology.
 */
class WebClientReplicaClient implements BatchTransport, StandInClient {

    private final WebClient webClient;
    private final String authorization;
    private final Duration probeTimeout;
    private final Duration callLimit;
    private final ClockOffsets clockOffsets;
    private final TimeSource time;

    /**
     * @param callLimit how long a call may take in all, its body's sending included, before it is cancelled and
     *                  fails: the coordinator stops waiting at the replication timeout, but the value stays held (and
     *                  counted in the admission budget) until the call has ended, so a peer that stops reading a body
     *                  must not hold it for ever
     */
    WebClientReplicaClient(WebClient webClient, String secret, Duration probeTimeout, Duration callLimit,
            ClockOffsets clockOffsets, TimeSource time) {
        this.webClient = webClient;
        this.authorization = "Bearer " + secret;
        this.probeTimeout = probeTimeout;
        this.callLimit = callLimit;
        this.clockOffsets = clockOffsets;
        this.time = time;
    }

    /** 204: the replica holds the write; 200: it holds the newer version the body names instead. */
    @Override
    public CompletableFuture<Version> write(Member replica, String key, Versioned value) {
        return write(replica, key, value, NO_EPOCH);
    }

    @Override
    public CompletableFuture<Version> write(Member replica, String key, Versioned value, long epoch) {
        return post(replica, epoch, replica.url() + InternalApi.KEY_PATH, () -> body(value), key)
                .thenApply(shadowing -> shadowing == null
                        ? value.version()
                        : Version.parse(new String(shadowing, StandardCharsets.US_ASCII)));
    }

    /** A stand-in's hint, {@code POST /internal/hints/{target}/{key}}: not batched, since only a sloppy write with owners down sends one. */
    @Override
    public CompletableFuture<Version> hold(Member standIn, Member owner, String key, Versioned value) {
        return post(standIn, NO_EPOCH, standIn.url() + InternalApi.HINT_PATH, () -> body(value), owner.id(), key)
                .thenApply(ignored -> value.version());
    }

    private static ByteBuf body(Versioned value) {
        byte[] head = VersionedCodec.encodeHead(value);
        return value.isTombstone() ? Unpooled.wrappedBuffer(head) : Unpooled.wrappedBuffer(head, value.value());
    }

    /** Several writes in one call to {@code POST /internal/replica}; the answer names the shadowed ones. */
    @Override
    public CompletableFuture<List<Version>> writeBatch(Member replica, List<KeyedValue> writes, long epoch) {
        byte[][] parts = ReplicaBatchCodec.encodeParts(writes).toArray(byte[][]::new);
        return post(replica, epoch, replica.url() + InternalApi.WRITE_BATCH_PATH, () -> Unpooled.wrappedBuffer(parts))
                .thenApply(shadowed -> ReplicaBatchCodec.decodeHeld(writes, shadowed));
    }

    /**
     * The body wraps the values' own arrays behind small heads: no copy of a value is made to send it. A
     * fresh wrapper per subscription, since the client releases what it has sent and may send again.
     *
     * @return the answer's body on 200, null on any other 2xx
     */
    private CompletableFuture<byte[]> post(Member replica, long epoch, String uriTemplate, Supplier<ByteBuf> body,
            Object... uriVariables) {
        long sent = time.wallMillis();
        return webClient.post()
                .uri(uriTemplate, uriVariables)
                .header(HttpHeaders.AUTHORIZATION, authorization)
                .headers(headers -> routedAt(headers, epoch))
                .contentType(MediaType.APPLICATION_OCTET_STREAM)
                .body(Mono.fromSupplier(body), ByteBuf.class)
                .exchangeToMono(response -> {
                    measureClock(replica, sent, response);
                    if (response.statusCode().isSameCodeAs(HttpStatus.OK)) {
                        return response.bodyToMono(byte[].class).defaultIfEmpty(new byte[0]);
                    }
                    return response.statusCode().is2xxSuccessful()
                            ? response.releaseBody().then(Mono.<byte[]>empty())
                            : failure(replica, response);
                })
                .timeout(callLimit)
                .toFuture();
    }

    /** The epoch a call was routed with, when it was routed by a placement. */
    private static void routedAt(HttpHeaders headers, long epoch) {
        if (epoch != NO_EPOCH) {
            headers.set(InternalApi.EPOCH, Long.toString(epoch));
        }
    }

    /** Every answer carries the peer's wall clock: the offset to it is measured for free. */
    private void measureClock(Member replica, long sentMillis, ClientResponse response) {
        String peerTime = response.headers().asHttpHeaders().getFirst(ClockOffsets.TIME_HEADER);
        if (peerTime != null) {
            try {
                clockOffsets.record(replica, sentMillis, time.wallMillis(), Long.parseLong(peerTime));
            }
            catch (NumberFormatException ignored) {
                // A peer of another version, or a proxy: no sample.
            }
        }
    }

    /**
     * Several reads in one call to {@code POST /internal/replica/batch/read}. The replica may answer only the
     * first keys (at least one) to bound the answer's size; the rest are asked for in another call.
     */
    @Override
    public CompletableFuture<List<Optional<Versioned>>> readBatch(Member replica, List<String> keys, long epoch) {
        return askBatch(replica, keys, epoch).thenCompose(answers -> answers.size() == keys.size()
                ? CompletableFuture.completedFuture(answers)
                : readBatch(replica, keys.subList(answers.size(), keys.size()), epoch).thenApply(rest -> concat(answers, rest)));
    }

    /** The answers to the first 1..all of the keys. */
    private CompletableFuture<List<Optional<Versioned>>> askBatch(Member replica, List<String> keys, long epoch) {
        long sent = time.wallMillis();
        return webClient.post()
                .uri(replica.url() + InternalApi.READ_BATCH_PATH)
                .header(HttpHeaders.AUTHORIZATION, authorization)
                .headers(headers -> routedAt(headers, epoch))
                .contentType(MediaType.APPLICATION_OCTET_STREAM)
                .bodyValue(ReplicaBatchCodec.encodeReads(keys))
                .exchangeToMono(response -> {
                    measureClock(replica, sent, response);
                    return response.statusCode().isSameCodeAs(HttpStatus.OK)
                            ? response.bodyToMono(byte[].class).defaultIfEmpty(new byte[0])
                                    .map(body -> ReplicaBatchCodec.decodeReadAnswers(body, keys.size()))
                            : WebClientReplicaClient.<List<Optional<Versioned>>>failure(replica, response);
                })
                .timeout(callLimit)
                .toFuture();
    }

    private static <T> List<T> concat(List<T> first, List<T> second) {
        List<T> all = new ArrayList<>(first.size() + second.size());
        all.addAll(first);
        all.addAll(second);
        return all;
    }

    @Override
    public CompletableFuture<Optional<Versioned>> read(Member replica, String key) {
        return read(replica, key, NO_EPOCH);
    }

    @Override
    public CompletableFuture<Optional<Versioned>> read(Member replica, String key, long epoch) {
        long sent = time.wallMillis();
        return webClient.get()
                .uri(replica.url() + InternalApi.KEY_PATH, key)
                .header(HttpHeaders.AUTHORIZATION, authorization)
                .headers(headers -> routedAt(headers, epoch))
                .exchangeToMono(response -> {
                    measureClock(replica, sent, response);
                    if (response.statusCode().isSameCodeAs(HttpStatus.NO_CONTENT)) {
                        return response.releaseBody().thenReturn(Optional.<Versioned>empty());
                    }
                    if (response.statusCode().isSameCodeAs(HttpStatus.OK)) {
                        return response.bodyToMono(byte[].class).map(body -> Optional.of(VersionedCodec.decode(body)));
                    }
                    return failure(replica, response);
                })
                .timeout(callLimit)
                .toFuture();
    }

    @Override
    public CompletableFuture<Void> probe(Member replica) {
        long sent = time.wallMillis();
        return webClient.get()
                .uri(replica.url() + "/readyz")
                .exchangeToMono(response -> {
                    measureClock(replica, sent, response);
                    return response.statusCode().is2xxSuccessful()
                            ? response.releaseBody()
                            : failure(replica, response);
                })
                .timeout(probeTimeout)
                .toFuture();
    }

    /**
     * A 4xx means the peer refused us (bad secret, bad request; a 409 naming its epoch: a call routed with a stale
     * topology), and so does a 503 marked overloaded (alive, no room now); anything else is the peer failing.
     */
    private static <T> Mono<T> failure(Member replica, ClientResponse response) {
        String message = replica.id() + " answered " + response.statusCode().value();
        long staleAgainst = staleAgainst(response);
        RuntimeException failure = staleAgainst != NO_EPOCH
                ? new StaleTopologyException(message + " (stale topology: it is at epoch " + staleAgainst + ")", staleAgainst)
                : response.statusCode().is4xxClientError()
                ? new ReplicaRejectedException(message)
                : response.headers().header(InternalApi.OVERLOADED).isEmpty() ? new IllegalStateException(message)
                        : new ReplicaOverloadedException(message + " (overloaded)");
        return response.releaseBody().then(Mono.error(failure));
    }

    /** The peer's epoch when the answer is its refusal of a stale call, else {@link #NO_EPOCH}. */
    private static long staleAgainst(ClientResponse response) {
        String epoch = response.headers().asHttpHeaders().getFirst(InternalApi.EPOCH);
        if (!response.statusCode().isSameCodeAs(HttpStatus.CONFLICT) || epoch == null) {
            return NO_EPOCH;
        }
        try {
            return Math.max(NO_EPOCH, Long.parseLong(epoch));
        }
        catch (NumberFormatException ignored) {
            return NO_EPOCH; // not ours to read: a plain refusal
        }
    }
}
