package dev.quorumkv.replica;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import dev.quorumkv.antientropy.AntiEntropyClient;
import dev.quorumkv.antientropy.SegmentSelection;
import dev.quorumkv.antientropy.StampPage;
import dev.quorumkv.cluster.Member;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/** The HTTP adapter of {@link AntiEntropyClient}: a peer's {@code /internal/aae/*}, with the cluster secret. */
class WebClientAntiEntropyClient implements AntiEntropyClient {

    private final WebClient webClient;
    private final String authorization;

    WebClientAntiEntropyClient(WebClient webClient, String secret) {
        this.webClient = webClient;
        this.authorization = "Bearer " + secret;
    }

    @Override
    public CompletableFuture<long[]> roots(Member peer) {
        return get(peer, InternalApi.AAE_ROOTS_PATH).thenApply(AntiEntropyCodec::decodeHashes);
    }

    @Override
    public CompletableFuture<long[]> segments(Member peer, int partition) {
        return get(peer, InternalApi.AAE_SEGMENTS_PATH, partition).thenApply(AntiEntropyCodec::decodeHashes);
    }

    @Override
    public CompletableFuture<StampPage> stamps(Member peer, SegmentSelection selection, String after) {
        return webClient.post()
                .uri(peer.url() + InternalApi.AAE_STAMPS_PATH)
                .header(HttpHeaders.AUTHORIZATION, authorization)
                .contentType(MediaType.APPLICATION_OCTET_STREAM)
                .bodyValue(AntiEntropyCodec.encodeSelection(selection, after))
                .exchangeToMono(body(peer))
                .map(AntiEntropyCodec::decodePage)
                .toFuture();
    }

    private CompletableFuture<byte[]> get(Member peer, String uriTemplate, Object... uriVariables) {
        return webClient.get()
                .uri(peer.url() + uriTemplate, uriVariables)
                .header(HttpHeaders.AUTHORIZATION, authorization)
                .exchangeToMono(body(peer))
                .toFuture();
    }

    private static Function<ClientResponse, Mono<byte[]>> body(Member peer) {
        return response -> response.statusCode().is2xxSuccessful()
                ? response.bodyToMono(byte[].class).defaultIfEmpty(new byte[0])
                : response.releaseBody().then(Mono.error(new IllegalStateException(
                        peer.id() + " answered " + response.statusCode().value() + " to an anti-entropy call")));
    }
}
