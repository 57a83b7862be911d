package dev.quorumkv.api;

import dev.quorumkv.cluster.ClusterProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

@Configuration(proxyBeanMethods = false)
class InternalApiConfiguration {

    /** Every /internal call needs the cluster secret. */
    @Bean
    WebMvcConfigurer internalApiSecurity(ClusterProperties properties) {
        ClusterSecretInterceptor interceptor = new ClusterSecretInterceptor(properties.secret());
        return new WebMvcConfigurer() {
            @Override
            public void addInterceptors(InterceptorRegistry registry) {
                registry.addInterceptor(interceptor).addPathPatterns("/internal/**");
            }
        };
    }
}
