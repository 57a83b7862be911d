package dev.quorumkv.ycsb;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import site.ycsb.DBException;

/** What every binding here reads from YCSB's properties the same way: its node, and whole-number settings. */
final class BindingSettings {

    private BindingSettings() {
    }

    /** One url of the comma-separated list {@code name}, round robin over the instances that share {@code next}. */
    static URI pickUrl(Properties properties, String name, String fallback, AtomicInteger next) throws DBException {
        List<String> urls = new ArrayList<>();
        for (String each : properties.getProperty(name, fallback).split(",")) {
            if (!each.isBlank()) {
                urls.add(each.strip());
            }
        }
        if (urls.isEmpty()) {
            throw new DBException(name + " names no url");
        }
        String url = urls.get(Math.floorMod(next.getAndIncrement(), urls.size()));
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new DBException(name + ": not a url: " + url, e);
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new DBException(name + ": not an http://host[:port] url: " + url);
        }
        return uri;
    }

    /** The connection to {@code uri}'s host and port (80 when it names none). */
    static Http11Connection connectionTo(URI uri, int timeoutMillis) {
        return new Http11Connection(uri.getHost(), uri.getPort() < 0 ? 80 : uri.getPort(), timeoutMillis);
    }

    /** The positive whole number {@code name}, {@code fallback} when unset; null when neither is set. */
    static Integer positive(Properties properties, String name, String fallback) throws DBException {
        String text = properties.getProperty(name, fallback);
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            int value = Integer.parseInt(text.strip());
            if (value > 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // Said below.
        }
        throw new DBException(name + " must be a positive whole number, not '" + text + "'");
    }
}
