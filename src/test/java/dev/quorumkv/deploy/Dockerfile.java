package dev.quorumkv.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.yaml.snakeyaml.Yaml;

/**
 * The repository's Dockerfile as the image tests read it: stages of instructions, continuation
 * lines joined and comments dropped, so the tests replay the real build and start commands
 * instead of copies of them.
 */
record Dockerfile(List<Stage> stages) {

    static final Path PATH = Path.of("Dockerfile");

    record Instruction(String keyword, String arguments) {
    }

    record Stage(String name, List<Instruction> instructions) {

        List<String> all(String keyword) {
            return instructions.stream().filter(i -> i.keyword().equals(keyword)).map(Instruction::arguments).toList();
        }

        String only(String keyword) {
            List<String> found = all(keyword);
            if (found.size() != 1) {
                throw new IllegalStateException("stage " + name + " has " + found.size() + " " + keyword + " instructions, expected one");
            }
            return found.get(0);
        }

        /** ENV KEY=VALUE pairs, in order (unquoted values only, which is all this Dockerfile uses). */
        Map<String, String> env() {
            Map<String, String> env = new LinkedHashMap<>();
            for (String arguments : all("ENV")) {
                for (String pair : arguments.trim().split("\\s+")) {
                    int eq = pair.indexOf('=');
                    if (eq < 1) {
                        throw new IllegalStateException("ENV in KEY=VALUE form expected: " + arguments);
                    }
                    env.put(pair.substring(0, eq), pair.substring(eq + 1));
                }
            }
            return env;
        }
    }

    static Dockerfile read() throws IOException {
        List<Stage> stages = new ArrayList<>();
        List<Instruction> current = null;
        StringBuilder pending = new StringBuilder();
        for (String line : Files.readAllLines(PATH)) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                pending.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            String whole = pending.append(trimmed).toString();
            pending.setLength(0);
            String[] split = whole.split("\\s+", 2);
            Instruction instruction = new Instruction(split[0].toUpperCase(Locale.ROOT), split.length > 1 ? split[1] : "");
            if (instruction.keyword().equals("FROM")) {
                String[] from = instruction.arguments().split("\\s+");
                String name = from.length == 3 && from[1].equalsIgnoreCase("AS") ? from[2] : String.valueOf(stages.size());
                current = new ArrayList<>();
                stages.add(new Stage(name, current));
            }
            if (current == null && instruction.keyword().equals("ARG")) {
                continue; // a global build argument (the base images), used only in FROM lines
            }
            if (current == null) {
                throw new IllegalStateException("instruction before the first FROM: " + whole);
            }
            current.add(instruction);
        }
        return new Dockerfile(List.copyOf(stages));
    }

    Stage stage(String name) {
        return stages.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no stage named " + name));
    }

    /** The last stage: what the image runs. */
    Stage runtime() {
        return stages.get(stages.size() - 1);
    }

    /** An exec-form (JSON array) argument such as ENTRYPOINT's or VOLUME's. */
    static List<String> execForm(String arguments) {
        Object parsed = new Yaml().load(arguments); // JSON arrays are YAML flow sequences
        if (!(parsed instanceof List<?> list) || list.isEmpty()) {
            throw new IllegalStateException("exec form [\"...\"] expected: " + arguments);
        }
        return list.stream().map(String::valueOf).toList();
    }
}
