package dev.quorumkv.system;

import org.apache.catalina.core.StandardHost;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class WebServerConfiguration {

    /**
     * Keys are one URL-encoded path segment and may contain '/': Tomcat must pass {@code %2F} through to
     * the key decoder instead of rejecting the request (its default) or splitting the segment.
     */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> encodedSlashesInKeys() {
        return factory -> factory.addConnectorCustomizers(connector -> {
            connector.setEncodedSolidusHandling("passthrough");
            connector.setEncodedReverseSolidusHandling("passthrough");
        });
    }

    /** Requests Tomcat itself refuses answer as problem+json too, not as Tomcat's HTML error page. */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> problemJsonForContainerErrors() {
        return factory -> factory.addContextCustomizers(context -> {
            if (context.getParent() instanceof StandardHost host) {
                host.setErrorReportValveClass(ProblemJsonErrorReportValve.class.getName());
            }
        });
    }
}
