package dev.quorumkv.replica;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.Member;
import dev.quorumkv.membership.JoinRequester;

/**
 * The HTTP adapter of {@link JoinRequester}: {@code POST /admin/members} with this node's id, url and host id, to each
 * contact point in turn until one answers 202: the join has begun (a repeat after a lost answer is answered 202 too).
 */
class WebClientJoinRequester implements JoinRequester {

    private final WebClient webClient;
    private final Cluster cluster;
    private final String authorization;
    private final Duration timeout;

    WebClientJoinRequester(WebClient webClient, Cluster cluster, String secret, Duration timeout) {
        this.webClient = webClient;
        this.cluster = cluster;
        this.authorization = "Bearer " + secret;
        this.timeout = timeout;
    }

    @Override
    public CompletableFuture<Void> requestJoin(String id, URI url, UUID hostId) {
        return CompletableFuture.supplyAsync(() -> {
            List<String> refusals = new ArrayList<>();
            for (Member contact : cluster.peers()) {
                String answer = ask(contact, Map.of("id", id, "url", url.toString(), "hostId", hostId.toString()));
                if (answer == null) {
                    return null;
                }
                refusals.add(contact.id() + ": " + answer);
            }
            throw new IllegalStateException("no contact point began the join: " + refusals);
        });
    }

    /** Null when the contact began the join (or had begun it for this host before); otherwise why not. */
    private String ask(Member contact, Map<String, String> body) {
        try {
            return webClient.post()
                    .uri(contact.url() + "/admin/members")
                    .header(HttpHeaders.AUTHORIZATION, authorization)
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(body)
                    .exchangeToMono(response -> response.bodyToMono(String.class).defaultIfEmpty("").map(text -> {
                        if (response.statusCode().value() == HttpStatus.ACCEPTED.value()) {
                            return "";
                        }
                        return response.statusCode().value() + " " + text;
                    }))
                    .onErrorResume(ex -> Mono.just(ex.toString()))
                    .blockOptional(timeout)
                    .filter(text -> !text.isEmpty())
                    .orElse(null);
        }
        catch (RuntimeException ex) {
            return ex.toString();
        }
    }
}
