package dev.quorumkv.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import io.swagger.v3.core.util.Yaml31;
import io.swagger.v3.oas.models.OpenAPI;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ClassPathResource;

/**
 * The OpenAPI document springdoc serves at {@code /v3/api-docs} (and Swagger UI at {@code /swagger-ui.html}):
 * the hand-written {@code openapi/quorumkv.yaml}, as it is. It cannot be introspected, because
 * {@link KvRawPathFilter} serves {@code /kv} outside Spring MVC; and what springdoc can introspect
 * ({@code /internal/replica}, for peers only, and {@code /error}) must not appear in it.
 * <p>
 * So the file replaces whatever springdoc has built, once springdoc is done. It is not given to springdoc
 * as its starting {@code OpenAPI} bean: springdoc copies that bean through a plain Jackson mapper, which
 * cannot copy a schema-valued {@code additionalProperties} (a map of strings), and logs a warning on every
 * start.
 */
@Configuration(proxyBeanMethods = false)
class ApiDocumentation {

    static final String LOCATION = "openapi/quorumkv.yaml";

    /** Read at start-up, so a malformed document stops the node rather than the first reader. */
    @Bean
    OpenApiCustomizer handWrittenApiDocument() {
        OpenAPI written = load(new ClassPathResource(LOCATION));
        return served -> {
            served.setOpenapi(written.getOpenapi());
            served.setJsonSchemaDialect(written.getJsonSchemaDialect());
            served.setInfo(written.getInfo());
            served.setExternalDocs(written.getExternalDocs());
            served.setServers(written.getServers());
            served.setSecurity(written.getSecurity());
            served.setTags(written.getTags());
            served.setPaths(written.getPaths());
            served.setComponents(written.getComponents());
            served.setWebhooks(written.getWebhooks());
            served.setExtensions(written.getExtensions());
        };
    }

    /** Read with swagger-core's OpenAPI 3.1 mapper, which keeps 3.1's schema keywords (const, examples). */
    static OpenAPI load(ClassPathResource document) {
        try (InputStream in = document.getInputStream()) {
            return Yaml31.mapper().readValue(in, OpenAPI.class);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot read the OpenAPI document " + document.getPath(), ex);
        }
    }
}
