import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Summarises JFR recordings of a benchmark run: where CPU samples land (leaf frames, whole
 * stacks by method and by package), which threads burn CPU, what is allocated and where, GC
 * pauses and contended locks. `jfr print` shows only a few frames per stack and its JSON is
 * hundreds of megabytes for a 20-second run, so this reads the recording with the JDK's own
 * consumer API instead. Run without a build:
 *
 * <pre>java bench/JfrTop.java [--top N] FILE.jfr...</pre>
 */
public final class JfrTop {

  private static final String APP_PREFIX = "dev.quorumkv.";

  private final Map<String, Long> leaf = new HashMap<>();
  private final Map<String, Long> inclusive = new HashMap<>();
  private final Map<String, Long> leafPackage = new HashMap<>();
  private final Map<String, Long> appFrame = new HashMap<>();
  private final Map<String, Long> subsystem = new HashMap<>();
  private final Map<String, Double> threadCpu = new HashMap<>();
  private final Map<String, Long> allocByClass = new HashMap<>();
  private final Map<String, Long> allocBySite = new HashMap<>();
  private final Map<String, Long> monitorByClass = new HashMap<>();
  private long samples;
  private long allocWeight;
  private long gcCount;
  private long gcPauseNanos;
  private long gcLongestNanos;
  private long monitorEvents;

  public static void main(String[] args) throws IOException {
    int top = 25;
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--top") && i + 1 < args.length) {
        top = Integer.parseInt(args[++i]);
      } else {
        files.add(Path.of(args[i]));
      }
    }
    if (files.isEmpty()) {
      System.err.println("usage: java JfrTop.java [--top N] FILE.jfr...");
      System.exit(2);
    }
    JfrTop summary = new JfrTop();
    for (Path file : files) {
      try (RecordingFile recording = new RecordingFile(file)) {
        while (recording.hasMoreEvents()) {
          summary.accept(recording.readEvent());
        }
      }
    }
    summary.print(files, top);
  }

  private void accept(RecordedEvent event) {
    switch (event.getEventType().getName()) {
      case "jdk.ExecutionSample" -> executionSample(event.getStackTrace());
      case "jdk.ObjectAllocationSample" -> allocation(event);
      case "jdk.ThreadCPULoad" -> {
        RecordedThread thread = event.getThread();
        String name = thread == null ? "?" : poolName(thread.getJavaName());
        double load = event.getFloat("user") + event.getFloat("system");
        threadCpu.merge(name, load, Double::sum);
      }
      case "jdk.GarbageCollection" -> {
        gcCount++;
        long pause = event.getDuration("sumOfPauses").toNanos();
        gcPauseNanos += pause;
        gcLongestNanos = Math.max(gcLongestNanos, event.getDuration("longestPause").toNanos());
      }
      case "jdk.JavaMonitorEnter" -> {
        monitorEvents++;
        monitorByClass.merge(event.getClass("monitorClass").getName() + " at "
            + firstFrame(event.getStackTrace()), 1L, Long::sum);
      }
      default -> { }
    }
  }

  private void executionSample(RecordedStackTrace stack) {
    if (stack == null || stack.getFrames().isEmpty()) {
      return;
    }
    samples++;
    List<RecordedFrame> frames = stack.getFrames();
    String top = method(frames.get(0));
    leaf.merge(top, 1L, Long::sum);
    subsystem.merge(subsystemOf(frames), 1L, Long::sum);
    leafPackage.merge(packageOf(frames.get(0)), 1L, Long::sum);
    Set<String> seen = new HashSet<>();
    String firstApp = null;
    for (RecordedFrame frame : frames) {
      String m = method(frame);
      if (seen.add(m)) {
        inclusive.merge(m, 1L, Long::sum);
      }
      if (firstApp == null && m.startsWith(APP_PREFIX)) {
        firstApp = m;
      }
    }
    appFrame.merge(firstApp == null ? "(no quorumkv frame on the stack)" : firstApp, 1L, Long::sum);
  }

  private void allocation(RecordedEvent event) {
    long weight = event.getLong("weight");
    allocWeight += weight;
    allocByClass.merge(event.getClass("objectClass").getName(), weight, Long::sum);
    allocBySite.merge(firstNonJdkFrame(event.getStackTrace()), weight, Long::sum);
  }

  /** The leaf of an allocation is mostly Arrays.copyOf and friends; the caller says more. */
  private static String firstNonJdkFrame(RecordedStackTrace stack) {
    if (stack == null) {
      return "?";
    }
    for (RecordedFrame frame : stack.getFrames()) {
      String m = method(frame);
      if (!(m.startsWith("java.") || m.startsWith("jdk.") || m.startsWith("sun."))) {
        return m;
      }
    }
    return firstFrame(stack);
  }

  /** Package prefixes to subsystems, first match wins; the JDK's frames count for their caller. */
  private static final String[][] SUBSYSTEMS = {
      {"dev.quorumkv.", "quorumkv code"},
      {"org.rocksdb.", "RocksDB"},
      {"io.micrometer.", "metrics and observations (Micrometer)"},
      {"org.springframework.http.server.observation.", "metrics and observations (Micrometer)"},
      {"org.springframework.web.filter.ServerHttpObservationFilter", "metrics and observations (Micrometer)"},
      {"tools.jackson.", "JSON (Jackson)"},
      {"com.fasterxml.", "JSON (Jackson)"},
      {"ch.qos.", "logging"},
      {"org.slf4j.", "logging"},
      {"org.apache.", "HTTP server (Tomcat)"},
      {"reactor.", "peer calls (WebClient, Reactor, Netty)"},
      {"io.netty.", "peer calls (WebClient, Reactor, Netty)"},
      {"org.springframework.web.reactive.", "peer calls (WebClient, Reactor, Netty)"},
      {"org.springframework.http.client.", "peer calls (WebClient, Reactor, Netty)"},
      {"org.springframework.", "Spring MVC and the rest of Spring"},
      {"jakarta.", "Spring MVC and the rest of Spring"},
  };

  private static String subsystemOf(List<RecordedFrame> frames) {
    for (RecordedFrame frame : frames) {
      String type = typeName(frame);
      if (type.startsWith("java.") || type.startsWith("jdk.") || type.startsWith("sun.")) {
        continue;
      }
      for (String[] rule : SUBSYSTEMS) {
        if (type.startsWith(rule[0])) {
          return rule[1];
        }
      }
      return "other: " + type;
    }
    return "JDK only (thread pools, I/O)";
  }

  private static String firstFrame(RecordedStackTrace stack) {
    if (stack == null || stack.getFrames().isEmpty()) {
      return "?";
    }
    return method(stack.getFrames().get(0));
  }

  private static String method(RecordedFrame frame) {
    return typeName(frame) + "." + frame.getMethod().getName();
  }

  /** Lambda classes carry an address in their name; one row per enclosing class reads better. */
  private static String typeName(RecordedFrame frame) {
    String type = frame.getMethod().getType().getName();
    int lambda = type.indexOf("$$Lambda");
    return lambda < 0 ? type : type.substring(0, lambda) + "$$Lambda";
  }

  private static String packageOf(RecordedFrame frame) {
    String type = typeName(frame);
    int dot = type.lastIndexOf('.');
    return dot < 0 ? "(default)" : type.substring(0, dot);
  }

  /** "http-nio-8121-exec-17" and "reactor-http-epoll-2" become one line per pool. */
  private static String poolName(String name) {
    return name == null ? "?" : name.replaceAll("\\d+", "N");
  }

  private void print(List<Path> files, int top) {
    System.out.printf("# JFR summary of %s%n%n", files);
    System.out.printf("CPU samples: %d%n", samples);
    table("Self time by subsystem (a JDK frame counts for the code that called it)", "samples",
        subsystem, samples, top);
    table("Hottest leaf frames (self time)", "samples", leaf, samples, top);
    table("Hottest packages (self time)", "samples", leafPackage, samples, top);
    table("Methods on the stack (inclusive time)", "samples", inclusive, samples, top);
    table("First quorumkv frame on each sampled stack", "samples", appFrame, samples, top);
    double cpuTotal = threadCpu.values().stream().mapToDouble(Double::doubleValue).sum();
    System.out.printf("%n## CPU by thread pool (share of all Java threads' CPU load samples)%n%n"
        + "| share | thread pool |%n|---:|---|%n");
    threadCpu.entrySet().stream()
        .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
        .limit(top)
        .forEach(e -> System.out.printf("| %5.1f%% | %s |%n",
            cpuTotal == 0 ? 0.0 : 100.0 * e.getValue() / cpuTotal, e.getKey()));
    System.out.printf("%nAllocation samples: %d MiB estimated in all%n", allocWeight >> 20);
    table("Allocated classes", "bytes", allocByClass, allocWeight, top);
    table("Allocation sites (first frame outside the JDK)", "bytes", allocBySite, allocWeight, top);
    System.out.printf("%n## GC%n%n%d collections, %.1f ms paused in all, longest pause %.1f ms%n",
        gcCount, gcPauseNanos / 1e6, gcLongestNanos / 1e6);
    table("Contended monitors (events over the recording's threshold)", "events", monitorByClass,
        monitorEvents, top);
  }

  private static void table(String title, String unit, Map<String, Long> counts, long total, int top) {
    System.out.printf("%n## %s%n%n| share | %s | frame |%n|---:|---:|---|%n", title, unit);
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(top)
        .forEach(e -> System.out.printf("| %5.1f%% | %d | %s |%n",
            total == 0 ? 0.0 : 100.0 * e.getValue() / total, e.getValue(), e.getKey()));
  }
}
