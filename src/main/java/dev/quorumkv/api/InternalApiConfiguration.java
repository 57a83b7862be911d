package dev.quorumkv.api;

import java.io.IOException;
import java.util.function.LongSupplier;

import dev.quorumkv.QuorumKvProperties;
import dev.quorumkv.cluster.ClockOffsets;
import dev.quorumkv.cluster.Cluster;
import dev.quorumkv.cluster.ClusterProperties;
import dev.quorumkv.replica.InternalApi;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

@Configuration(proxyBeanMethods = false)
class InternalApiConfiguration {

    /**
     * Every internal answer and every readiness probe carries this node's wall clock, from which peers
     * measure their offset to it ({@link ClockOffsets}); set before the handler runs, so a refusal carries
     * it too.
     */
    @Bean
    FilterRegistrationBean<OncePerRequestFilter> clockTimeHeader(ClockOffsets clockOffsets) {
        return headerOnEveryAnswer(ClockOffsets.TIME_HEADER, clockOffsets::wallMillis, "/internal/*", "/readyz");
    }

    /**
     * Every internal answer carries this node's topology epoch ({@link InternalApi#EPOCH}), as it carries its clock:
     * a coordinator whose call was refused as stale learns from it which epoch to wait for.
     */
    @Bean
    FilterRegistrationBean<OncePerRequestFilter> epochHeader(Cluster cluster) {
        return headerOnEveryAnswer(InternalApi.EPOCH, () -> cluster.placement().epoch(), "/internal/*");
    }

    /** A filter, first of all, that sets {@code header} to {@code value} now on every answer under {@code urlPatterns}. */
    private static FilterRegistrationBean<OncePerRequestFilter> headerOnEveryAnswer(String header, LongSupplier value,
            String... urlPatterns) {
        OncePerRequestFilter filter = new OncePerRequestFilter() {
            @Override
            protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                    throws ServletException, IOException {
                response.setHeader(header, Long.toString(value.getAsLong()));
                chain.doFilter(request, response);
            }
        };
        FilterRegistrationBean<OncePerRequestFilter> registration = new FilterRegistrationBean<>(filter);
        registration.addUrlPatterns(urlPatterns);
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }

    /**
     * Every /internal and /admin call needs the cluster secret; then a peer's replica read or write must not be
     * routed with a stale topology, and a peer's write needs room in the admission budget.
     */
    @Bean
    WebMvcConfigurer internalApiSecurity(ClusterProperties properties, AdmissionControl admission, InFlightBytes costs,
            QuorumKvProperties node, Cluster cluster) {
        ClusterSecretInterceptor interceptor = new ClusterSecretInterceptor(properties.secret());
        StaleTopologyCheck staleTopology = new StaleTopologyCheck(() -> cluster.placement().epoch());
        PeerWriteAdmission peerWrites = new PeerWriteAdmission(admission, costs,
                InternalApi.maxBodyBytes(node.maxValueBytes().toBytes()));
        return new WebMvcConfigurer() {
            @Override
            public void addInterceptors(InterceptorRegistry registry) {
                registry.addInterceptor(interceptor).addPathPatterns("/internal/**", ClusterSecretInterceptor.ADMIN_PREFIX + "**");
                registry.addInterceptor(staleTopology).addPathPatterns(InternalApi.WRITE_BATCH_PATH, InternalApi.WRITE_BATCH_PATH + "/**");
                registry.addInterceptor(peerWrites).addPathPatterns("/internal/**");
            }
        };
    }
}
