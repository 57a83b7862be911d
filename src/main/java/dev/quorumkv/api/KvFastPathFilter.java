package dev.quorumkv.api;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * The client API's fast path: every {@code /kv} request is served here, at the end of the filter chain, by
 * {@link KvEndpoint}, instead of going on to Spring MVC's DispatcherServlet. Everything else (actuator,
 * {@code /internal/replica}, errors) goes on to Spring MVC.
 *
 * <p>Why (the one place this reason is kept; docs/architecture.md points here): per request the dispatcher
 * does handler lookup, argument resolution, locale and request contexts and exception resolution, and a
 * profile of node1 at 64 connections showed that costing more than the quorum write under it; the path
 * around it measured less CPU per write side by side (docs/benchmarks.md, "What each optimisation
 * gained"). What still runs first: the container's filters, {@code system.MalformedPathFilter}, and the
 * {@code http.server.requests} observation, which leaves {@code /kv} out ({@link KvRequestObservations}).
 *
 * <p>It routes by the raw path, as {@link KeyDecoder} reads keys, rather than by a servlet mapping, because
 * the container maps servlets by the normalized path and a key such as {@code %2E%2E} would normalize away.
 */
@Component
@Order(Ordered.LOWEST_PRECEDENCE)
class KvFastPathFilter extends HttpFilter {

    private final KvEndpoint endpoint;

    KvFastPathFilter(KvEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (isKvPath(request.getRequestURI())) {
            endpoint.serve(request, response);
        }
        else {
            chain.doFilter(request, response);
        }
    }

    static boolean isKvPath(String rawPath) {
        return rawPath.startsWith(KvEndpoint.PREFIX) || rawPath.equals("/kv") || rawPath.startsWith("/kv;");
    }
}
