package dev.quorumkv.api;

import dev.quorumkv.InvalidConfigurationException;
import dev.quorumkv.QuorumKvProperties;
import dev.quorumkv.coordinator.Quorum;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class AdmissionConfiguration {

    private static final Logger log = LoggerFactory.getLogger(AdmissionConfiguration.class);

    @Bean
    InFlightBytes inFlightBytes(Quorum quorum) {
        return new InFlightBytes(quorum.n());
    }

    /** Refuses a budget too small for one PUT at the value limit: such a node could never store one. */
    @Bean
    AdmissionControl admissionControl(AdmissionProperties properties, QuorumKvProperties node, InFlightBytes costs,
            MeterRegistry registry) {
        long capacity = properties.resolvedMaxInflightBytes();
        AdmissionControl admission = capacity > 0 ? new AdmissionControl(capacity) : null;
        long largestWrite = costs.clientWrite(node.maxValueBytes().toBytes());
        if (admission == null || admission.clientLimitBytes() < largestWrite) {
            long needed = largestWrite + largestWrite / (AdmissionControl.PEER_SHARE_DIVISOR - 1) + 1;
            throw new InvalidConfigurationException("quorumkv.admission.max-inflight-bytes (" + capacity + " bytes) is too small"
                    + " for one PUT of a value at quorumkv.max-value-bytes (" + node.maxValueBytes().toBytes()
                    + " bytes), which counts " + largestWrite + " bytes against three quarters of it: set it to at least "
                    + needed + " bytes, or lower quorumkv.max-value-bytes");
        }
        Gauge.builder("quorumkv.admission.inflight.bytes", admission, AdmissionControl::inFlightBytes).baseUnit("bytes")
                .description("Bytes of requests in flight counted against quorumkv.admission.max-inflight-bytes")
                .register(registry);
        log.info("Admission budget: {} bytes of requests in flight (quorumkv.admission.max-inflight-bytes)", capacity);
        return admission;
    }
}
