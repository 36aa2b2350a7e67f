package dev.ecomlake.stream;

/**
 * The contract's string formats, as Python's jsonschema checks them (the reference): ipv4 as
 * {@code ipaddress.IPv4Address}, email as "contains @", uuid as {@code uuid.UUID} plus dashes at
 * 8, 13, 18 and 23. Non-strings pass, as in JSON Schema.
 */
final class Formats {
  private Formats() {}

  static Schema.Check of(String format) {
    return switch (format) {
      case "ipv4" -> v -> !(v instanceof String s) || isIpv4(s);
      case "email" -> v -> !(v instanceof String s) || s.indexOf('@') >= 0;
      case "uuid" -> v -> !(v instanceof String s) || isUuid(s);
      default -> throw new IllegalStateException("unsupported format: " + format);
    };
  }

  /** Four dot-separated ASCII decimal octets 0-255, at most 3 digits, no leading zero. */
  static boolean isIpv4(String s) {
    int octets = 0;
    int i = 0;
    int n = s.length();
    while (true) {
      int start = i;
      int value = 0;
      while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
        value = value * 10 + (s.charAt(i) - '0');
        i++;
        if (i - start > 3) {
          return false;
        }
      }
      int digits = i - start;
      if (digits == 0 || value > 255 || (digits > 1 && s.charAt(start) == '0')) {
        return false;
      }
      octets++;
      if (i == n) {
        return octets == 4;
      }
      if (s.charAt(i) != '.' || octets == 4) {
        return false;
      }
      i++;
    }
  }

  /** {@code uuid.UUID(s)} parses (32 hex digits once urn:/uuid:, braces and dashes go). */
  static boolean isUuid(String s) {
    String hex = s.replace("urn:", "").replace("uuid:", "");
    int from = 0;
    int to = hex.length();
    while (from < to && (hex.charAt(from) == '{' || hex.charAt(from) == '}')) {
      from++;
    }
    while (to > from && (hex.charAt(to - 1) == '{' || hex.charAt(to - 1) == '}')) {
      to--;
    }
    hex = hex.substring(from, to).replace("-", "");
    if (hex.length() != 32) {
      return false;
    }
    for (int i = 0; i < 32; i++) {
      char c = hex.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
        return false;
      }
    }
    return s.length() > 23
        && s.charAt(8) == '-'
        && s.charAt(13) == '-'
        && s.charAt(18) == '-'
        && s.charAt(23) == '-';
  }
}
