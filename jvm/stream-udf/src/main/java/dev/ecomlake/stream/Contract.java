package dev.ecomlake.stream;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/**
 * The v1 contract's accept decision, as {@code ecomlake.contracts.validate_message} makes it (the
 * reference): size, strict JSON, an object, the JSON Schema, then the rules the schema cannot
 * express (a real timestamp, at most an hour ahead, purchase totals equal to their lines).
 * It answers only "valid": a refused message goes to the Python reference, which names why.
 */
final class Contract {
  static final int MAX_MESSAGE_BYTES = 64 * 1024;
  static final long MAX_CLOCK_SKEW_MS = 3_600_000L;
  static final String SCHEMA = "/ecomlake/contracts/v1.schema.json";

  /** An accepted event: its parsed fields and its time. */
  record Accepted(Map<String, Object> event, LocalDateTime time, long timeMs) {}

  private final Schema.Check schema;

  Contract() {
    this.schema = Schema.load(SCHEMA);
  }

  @SuppressWarnings("unchecked")
  Accepted accept(byte[] raw, long nowMs) {
    if (raw == null || raw.length > MAX_MESSAGE_BYTES) {
      return null;
    }
    Object parsed;
    try {
      parsed = Json.parse(raw);
    } catch (Json.Invalid e) {
      return null;
    }
    if (!(parsed instanceof Map) || !schema.ok(parsed)) {
      return null;
    }
    Map<String, Object> event = (Map<String, Object>) parsed;
    LocalDateTime time = parseTime((String) event.get("event_time"));
    if (time == null) {
      return null;
    }
    long timeMs = time.toInstant(ZoneOffset.UTC).toEpochMilli();
    if (timeMs > nowMs + MAX_CLOCK_SKEW_MS) {
      return null;
    }
    Object type = event.get("event_type");
    if ("purchase".equals(type) || "checkout_started".equals(type)) {
      BigDecimal expected = BigDecimal.ZERO;
      for (Object item : (List<Object>) event.get("items")) {
        Map<String, Object> line = (Map<String, Object>) item;
        long quantity = (long) ((Json.Num) line.get("quantity")).value();
        expected = expected.add(money((String) line.get("unit_price"))
            .multiply(BigDecimal.valueOf(quantity)));
      }
      if (money((String) event.get("total")).compareTo(expected) != 0) {
        return null;
      }
    }
    return new Accepted(event, time, timeMs);
  }

  /** A money string the schema accepted (Python's Decimal ignores a trailing newline). */
  static BigDecimal money(String text) {
    return new BigDecimal(text.strip());
  }

  /**
   * {@code datetime.fromisoformat} on the contract's shape {@code YYYY-MM-DDTHH:MM:SS.mmmZ}:
   * null unless every part is in range (year 1-9999, a real day, 00-23:00-59:00-59).
   */
  static LocalDateTime parseTime(String s) {
    if (s == null || s.length() != 24 || s.charAt(4) != '-' || s.charAt(7) != '-'
        || s.charAt(10) != 'T' || s.charAt(13) != ':' || s.charAt(16) != ':'
        || s.charAt(19) != '.' || s.charAt(23) != 'Z') {
      return null;
    }
    int year = digits(s, 0, 4);
    int month = digits(s, 5, 2);
    int day = digits(s, 8, 2);
    int hour = digits(s, 11, 2);
    int minute = digits(s, 14, 2);
    int second = digits(s, 17, 2);
    int milli = digits(s, 20, 3);
    if (year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59
        || second > 59 || milli < 0) {
      return null;
    }
    if (day > LocalDate.of(year, month, 1).lengthOfMonth()) {
      return null;
    }
    return LocalDateTime.of(year, month, day, hour, minute, second, milli * 1_000_000);
  }

  private static int digits(String s, int from, int count) {
    int value = 0;
    for (int i = from; i < from + count; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1_000_000;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }
}
