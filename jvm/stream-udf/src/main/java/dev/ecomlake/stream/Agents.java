package dev.ecomlake.stream;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * User-agent classification, the same rules as {@code ecomlake.stream.enrich.parse_user_agent}
 * (the reference), in Java regex with Python's semantics: Unicode case folding, {@code \b} as
 * Python's Unicode word boundary, {@code .} stopping only at {@code \n}.
 */
final class Agents {
  record Agent(String deviceType, String browser, String os, boolean isBot) {}

  /** Distinct user agents are few; the cache is cleared when it reaches this size. */
  static final int CACHE_SIZE = 4096;

  private static final int FLAGS = Pattern.UNIX_LINES | Pattern.UNICODE_CHARACTER_CLASS;
  // Python's \w for str: letters, numbers (Nd, Nl, No) and the underscore.
  private static final String NOT_WORD_AFTER = "(?![\\p{L}\\p{N}_])";
  private static final Pattern CRAWLER = Pattern.compile(
      "(googlebot|bingbot|ahrefsbot|semrushbot|yandexbot|duckduckbot|baiduspider|"
          + "facebookexternalhit|applebot|petalbot|bytespider|gptbot|[a-z]*bot"
          + NOT_WORD_AFTER + "|crawler|spider)",
      FLAGS | Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
  private static final List<Map.Entry<String, Pattern>> BROWSERS = List.of(
      Map.entry("Edge", Pattern.compile("Edg(e|A|iOS)?/", FLAGS)),
      Map.entry("Opera", Pattern.compile("OPR/|Opera", FLAGS)),
      Map.entry("Samsung Internet", Pattern.compile("SamsungBrowser/", FLAGS)),
      Map.entry("Firefox", Pattern.compile("Firefox/|FxiOS/", FLAGS)),
      Map.entry("Chrome", Pattern.compile("Chrome/|CriOS/", FLAGS)),
      Map.entry("Safari", Pattern.compile("Version/[\\d.]+.*Safari/", FLAGS)));
  private static final List<Map.Entry<String, Pattern>> SYSTEMS = List.of(
      Map.entry("iOS", Pattern.compile("iPhone|iPad|iPod", FLAGS)),
      Map.entry("Android", Pattern.compile("Android", FLAGS)),
      Map.entry("Windows", Pattern.compile("Windows NT", FLAGS)),
      Map.entry("macOS", Pattern.compile("Mac OS X|Macintosh", FLAGS)),
      Map.entry("ChromeOS", Pattern.compile("CrOS", FLAGS)),
      Map.entry("Linux", Pattern.compile("Linux|X11", FLAGS)));

  private final Map<String, Agent> cache = new HashMap<>();

  Agent parse(String userAgent) {
    Agent agent = cache.get(userAgent);
    if (agent == null) {
      if (cache.size() >= CACHE_SIZE) {
        cache.clear();
      }
      agent = classify(userAgent);
      cache.put(userAgent, agent);
    }
    return agent;
  }

  static Agent classify(String ua) {
    Matcher crawler = CRAWLER.matcher(ua);
    if (crawler.find()) {
      return new Agent("bot", crawler.group(1), "Other", true);
    }
    String browser = first(BROWSERS, ua);
    String system = first(SYSTEMS, ua);
    String device;
    if (ua.contains("iPad") || (ua.contains("Android") && !ua.contains("Mobile"))) {
      device = "tablet";
    } else if (ua.contains("Mobile") || ua.contains("iPhone")) {
      device = "mobile";
    } else if (system.equals("Windows") || system.equals("macOS") || system.equals("Linux")
        || system.equals("ChromeOS")) {
      device = "desktop";
    } else {
      device = "other";
    }
    return new Agent(device, browser, system, false);
  }

  private static String first(List<Map.Entry<String, Pattern>> rules, String ua) {
    for (Map.Entry<String, Pattern> rule : rules) {
      if (rule.getValue().matcher(ua).find()) {
        return rule.getKey();
      }
    }
    return "Other";
  }
}
