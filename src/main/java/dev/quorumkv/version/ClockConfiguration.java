package dev.quorumkv.version;

import java.time.Clock;

import dev.quorumkv.cluster.Cluster;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class ClockConfiguration {

    /** The wall clock; tests replace it to run nodes whose clocks disagree. */
    @Bean
    @ConditionalOnMissingBean
    Clock wallClock() {
        return Clock.systemUTC();
    }

    @Bean
    HybridLogicalClock hybridLogicalClock(Cluster cluster, Clock wallClock, ClockProperties properties) {
        return new HybridLogicalClock(cluster.self().id(), wallClock, properties.maxContextAhead());
    }
}
