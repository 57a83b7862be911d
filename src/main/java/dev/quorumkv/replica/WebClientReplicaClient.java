package dev.quorumkv.replica;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.coordinator.ReplicaOverloadedException;
import dev.quorumkv.coordinator.ReplicaRejectedException;
import dev.quorumkv.storage.KeyedValue;
import dev.quorumkv.storage.Versioned;
import dev.quorumkv.storage.VersionedCodec;
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
 */
class WebClientReplicaClient implements BatchTransport {

    private final WebClient webClient;
    private final String authorization;
    private final Duration probeTimeout;

    WebClientReplicaClient(WebClient webClient, String secret, Duration probeTimeout) {
        this.webClient = webClient;
        this.authorization = "Bearer " + secret;
        this.probeTimeout = probeTimeout;
    }

    @Override
    public CompletableFuture<Void> write(Member replica, String key, Versioned value) {
        byte[] head = VersionedCodec.encodeHead(value);
        return post(replica, replica.url() + InternalApi.KEY_PATH,
                () -> value.isTombstone() ? Unpooled.wrappedBuffer(head) : Unpooled.wrappedBuffer(head, value.value()), key);
    }

    /** Several writes in one call to {@code POST /internal/replica}; acked all together. */
    @Override
    public CompletableFuture<Void> writeBatch(Member replica, List<KeyedValue> writes) {
        byte[][] parts = ReplicaBatchCodec.encodeParts(writes).toArray(byte[][]::new);
        return post(replica, replica.url() + InternalApi.WRITE_BATCH_PATH, () -> Unpooled.wrappedBuffer(parts));
    }

    /**
     * The body wraps the values' own arrays behind small heads: no copy of a value is made to send it. A
     * fresh wrapper per subscription, since the client releases what it has sent and may send again.
     */
    private CompletableFuture<Void> post(Member replica, String uriTemplate, Supplier<ByteBuf> body, Object... uriVariables) {
        return webClient.post()
                .uri(uriTemplate, uriVariables)
                .header(HttpHeaders.AUTHORIZATION, authorization)
                .contentType(MediaType.APPLICATION_OCTET_STREAM)
                .body(Mono.fromSupplier(body), ByteBuf.class)
                .exchangeToMono(response -> response.statusCode().is2xxSuccessful()
                        ? response.releaseBody()
                        : failure(replica, response))
                .toFuture();
    }

    /**
     * Several reads in one call to {@code POST /internal/replica/batch/read}. The replica may answer only the
     * first keys (at least one) to bound the answer's size; the rest are asked for in another call.
     */
    @Override
    public CompletableFuture<List<Optional<Versioned>>> readBatch(Member replica, List<String> keys) {
        return askBatch(replica, keys).thenCompose(answers -> answers.size() == keys.size()
                ? CompletableFuture.completedFuture(answers)
                : readBatch(replica, keys.subList(answers.size(), keys.size())).thenApply(rest -> concat(answers, rest)));
    }

    /** The answers to the first 1..all of the keys. */
    private CompletableFuture<List<Optional<Versioned>>> askBatch(Member replica, List<String> keys) {
        return webClient.post()
                .uri(replica.url() + InternalApi.READ_BATCH_PATH)
                .header(HttpHeaders.AUTHORIZATION, authorization)
                .contentType(MediaType.APPLICATION_OCTET_STREAM)
                .bodyValue(ReplicaBatchCodec.encodeReads(keys))
                .exchangeToMono(response -> response.statusCode().isSameCodeAs(HttpStatus.OK)
                        ? response.bodyToMono(byte[].class).defaultIfEmpty(new byte[0])
                                .map(body -> ReplicaBatchCodec.decodeReadAnswers(body, keys.size()))
                        : WebClientReplicaClient.<List<Optional<Versioned>>>failure(replica, response))
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
        return webClient.get()
                .uri(replica.url() + InternalApi.KEY_PATH, key)
                .header(HttpHeaders.AUTHORIZATION, authorization)
                .exchangeToMono(response -> {
                    if (response.statusCode().isSameCodeAs(HttpStatus.NO_CONTENT)) {
                        return response.releaseBody().thenReturn(Optional.<Versioned>empty());
                    }
                    if (response.statusCode().isSameCodeAs(HttpStatus.OK)) {
                        return response.bodyToMono(byte[].class).map(body -> Optional.of(VersionedCodec.decode(body)));
                    }
                    return failure(replica, response);
                })
                .toFuture();
    }

    @Override
    public CompletableFuture<Void> probe(Member replica) {
        return webClient.get()
                .uri(replica.url() + "/readyz")
                .exchangeToMono(response -> response.statusCode().is2xxSuccessful()
                        ? response.releaseBody()
                        : failure(replica, response))
                .timeout(probeTimeout)
                .toFuture();
    }

    /**
     * A 4xx means the peer refused us (bad secret, bad request), and so does a 503 marked overloaded (alive,
     * no room now); anything else is the peer failing.
     */
    private static <T> Mono<T> failure(Member replica, ClientResponse response) {
        String message = replica.id() + " answered " + response.statusCode().value();
        RuntimeException failure = response.statusCode().is4xxClientError()
                ? new ReplicaRejectedException(message)
                : response.headers().header(InternalApi.OVERLOADED).isEmpty() ? new IllegalStateException(message)
                        : new ReplicaOverloadedException(message + " (overloaded)");
        return response.releaseBody().then(Mono.error(failure));
    }
}
