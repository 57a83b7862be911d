package dev.quorumkv.replica;

import java.time.Duration;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.client.WebClient;

import dev.quorumkv.cluster.Member;
import dev.quorumkv.membership.MemberProgress;
import dev.quorumkv.membership.MemberProgressSource;

/** The HTTP adapter of {@link MemberProgressSource}: a member's {@code /internal/membership/progress}. */
class WebClientMemberProgressSource implements MemberProgressSource {

    private static final Logger log = LoggerFactory.getLogger(WebClientMemberProgressSource.class);

    private final WebClient webClient;
    private final String authorization;
    private final Duration timeout;

    WebClientMemberProgressSource(WebClient webClient, String secret, Duration timeout) {
        this.webClient = webClient;
        this.authorization = "Bearer " + secret;
        this.timeout = timeout;
    }

    /** Blocks for at most the timeout: the change driver asks from its own thread, a member at a time. */
    @Override
    public Optional<MemberProgress> progressOf(Member member) {
        try {
            return Optional.ofNullable(webClient.get()
                    .uri(member.url() + InternalApi.MEMBERSHIP_PROGRESS_PATH)
                    .header(HttpHeaders.AUTHORIZATION, authorization)
                    .retrieve()
                    .bodyToMono(MemberProgress.class)
                    .block(timeout));
        }
        catch (RuntimeException ex) {
            log.debug("No progress from {}: {}", member.id(), ex.toString());
            return Optional.empty();
        }
    }
}
