package dev.quorumkv.api;

import java.io.IOException;

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
        OncePerRequestFilter filter = new OncePerRequestFilter() {
            @Override
            protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                    throws ServletException, IOException {
                response.setHeader(ClockOffsets.TIME_HEADER, Long.toString(clockOffsets.wallMillis()));
                chain.doFilter(request, response);
            }
        };
        FilterRegistrationBean<OncePerRequestFilter> registration = new FilterRegistrationBean<>(filter);
        registration.addUrlPatterns("/internal/*", "/readyz");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }

    /**
     * Every internal answer carries this node's topology epoch ({@link InternalApi#EPOCH}), as it carries its clock:
     * a coordinator whose call was refused as stale learns from it which epoch to wait for.
     */
    @Bean
    FilterRegistrationBean<OncePerRequestFilter> epochHeader(Cluster cluster) {
        OncePerRequestFilter filter = new OncePerRequestFilter() {
            @Override
            protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                    throws ServletException, IOException {
                response.setHeader(InternalApi.EPOCH, Long.toString(cluster.placement().epoch()));
                chain.doFilter(request, response);
            }
        };
        FilterRegistrationBean<OncePerRequestFilter> registration = new FilterRegistrationBean<>(filter);
        registration.addUrlPatterns("/internal/*");
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
