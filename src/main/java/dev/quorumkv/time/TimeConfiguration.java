package dev.quorumkv.time;

import java.time.Clock;

import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class TimeConfiguration {

    /** The wall clock; tests replace it to run nodes whose clocks disagree. */
    @Bean
    @ConditionalOnMissingBean
    Clock wallClock() {
        return Clock.systemUTC();
    }

    @Bean(destroyMethod = "close")
    SystemTimeSource timeSource(Clock wallClock) {
        return new SystemTimeSource(wallClock);
    }

    /** Meters read the same time as everything else (Micrometer's own clock otherwise). */
    @Bean
    io.micrometer.core.instrument.Clock micrometerClock(TimeSource time) {
        return new io.micrometer.core.instrument.Clock() {
            @Override
            public long wallTime() {
                return time.wallMillis();
            }

            @Override
            public long monotonicTime() {
                return time.nanoTime();
            }
        };
    }
}
