package dev.quorumkv.api;

import io.micrometer.observation.ObservationPredicate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.observation.ServerRequestObservationContext;

/**
 * Keeps {@code /kv} requests out of Spring's generic {@code http.server.requests} observation. The client
 * API is measured by its own meters ({@code quorumkv.writes}, {@code quorumkv.write.latency},
 * {@code quorumkv.reads}, ...: every outcome, invalid input included), so the generic timer only repeated
 * them: the filters ahead of the API were 6% of a node's profile samples under write load, though the saving
 * measured within noise (docs/benchmarks.md, "What each optimisation gained"). Actuator and the
 * internal replica API are still observed.
 */
@Configuration(proxyBeanMethods = false)
class KvRequestObservations {

    @Bean
    ObservationPredicate kvRequestsMeasuredByQuorumMeters() {
        return (name, context) -> !(context instanceof ServerRequestObservationContext server
                && KvRawPathFilter.isKvPath(server.getCarrier().getRequestURI()));
    }
}
