package dev.quorumkv.api;

import dev.quorumkv.QuorumKvProperties;
import dev.quorumkv.cluster.ClusterProperties;
import dev.quorumkv.replica.InternalApi;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

@Configuration(proxyBeanMethods = false)
class InternalApiConfiguration {

    /** Every /internal call needs the cluster secret; then a peer's write needs room in the admission budget. */
    @Bean
    WebMvcConfigurer internalApiSecurity(ClusterProperties properties, AdmissionControl admission, InFlightBytes costs,
            QuorumKvProperties node) {
        ClusterSecretInterceptor interceptor = new ClusterSecretInterceptor(properties.secret());
        PeerWriteAdmission peerWrites = new PeerWriteAdmission(admission, costs,
                InternalApi.maxBodyBytes(node.maxValueBytes().toBytes()));
        return new WebMvcConfigurer() {
            @Override
            public void addInterceptors(InterceptorRegistry registry) {
                registry.addInterceptor(interceptor).addPathPatterns("/internal/**");
                registry.addInterceptor(peerWrites).addPathPatterns("/internal/**");
            }
        };
    }
}
