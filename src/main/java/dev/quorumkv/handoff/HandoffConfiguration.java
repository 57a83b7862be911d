package dev.quorumkv.handoff;

import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.FailureDetector;
import dev.quorumkv.coordinator.ReplicaClient;
import dev.quorumkv.storage.HintStore;
import dev.quorumkv.time.TimeSource;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class HandoffConfiguration {

    /**
     * Takes the hint store so that Spring closes the thread, and the hints queued on it reach the store,
     * before it closes the store.
     */
    @Bean(destroyMethod = "close")
    HintsThread hintsThread(HintStore hints) {
        return new HintsThread();
    }

    @Bean
    HintMetrics hintMetrics(MeterRegistry registry, Cluster cluster, HintStore hints) {
        HintMetrics metrics = new HintMetrics(registry, cluster.peers(), hints);
        metrics.follow(cluster);
        return metrics;
    }

    @Bean
    HintRecorder hintRecorder(Cluster cluster, FailureDetector failureDetector, HintStore hints, TimeSource time,
            HintsThread hintsThread, HintMetrics metrics, HintsProperties properties) {
        return new HintRecorder(cluster, failureDetector, hints, time, hintsThread, metrics, properties);
    }

    @Bean
    StandInHints standInHints(Cluster cluster, HintStore hints, TimeSource time, HintsThread hintsThread, HintMetrics metrics,
            HintsProperties properties) {
        return new StandInHints(cluster, hints, time, hintsThread, metrics, properties);
    }

    @Bean
    HintDelivery hintDelivery(Cluster cluster, FailureDetector failureDetector, HintStore hints, ReplicaClient replicaClient,
            TimeSource time, HintsThread hintsThread, HintMetrics metrics, HintsProperties properties) {
        return new HintDelivery(cluster, failureDetector, hints, replicaClient, time, hintsThread, metrics, properties);
    }

    @Bean("hints")
    HintsHealthIndicator hintsHealthIndicator(Cluster cluster, HintStore hints, HintsProperties properties) {
        return new HintsHealthIndicator(cluster, hints, properties.enabled());
    }
}
