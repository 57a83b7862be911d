package dev.quorumkv.support;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.json.JsonMapper;

/** A JSON answer of the node (the admin API's, health's) as plain maps and lists, for assertions. */
public final class JsonAnswers {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private JsonAnswers() {
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> json(HttpResponse<String> response) {
        return JSON.readValue(response.body(), Map.class);
    }

    /** A JSON array of objects, such as a topology's members or a key's owners. */
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> list(Object value) {
        return (List<Map<String, Object>>) value;
    }
}
