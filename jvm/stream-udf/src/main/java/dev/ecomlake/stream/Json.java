package dev.ecomlake.stream;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict JSON parser over UTF-8 bytes that accepts exactly what the Python reference's orjson
 * accepts (RFC 8259; no BOM, no lone surrogates, no NaN, no number that overflows a double).
 *
 * <p>Values: {@code Map<String,Object>} (duplicate keys: the last wins), {@code List<Object>},
 * {@code String}, {@link Num}, {@code Boolean}, and {@link #NULL}. A document nested deeper than
 * {@link #MAX_DEPTH} is refused: the contract allows depth 3, so such a message is invalid
 * whatever the limit, and the Python side names the reason.
 */
final class Json {
  static final Object NULL = new Object() {
    @Override
    public String toString() {
      return "null";
    }
  };
  static final int MAX_DEPTH = 64;

  /** A JSON number: its value as a double and whether it was written as an integer. */
  record Num(double value, boolean integerLiteral) {
    boolean isIntegral() {
      return integerLiteral || (Double.isFinite(value) && value == Math.rint(value));
    }
  }

  static final class Invalid extends Exception {
    Invalid(String message) {
      super(message, null, false, false);
    }
  }

  private final byte[] in;
  private final int end;
  private int at;
  private final StringBuilder chars = new StringBuilder(64);

  private Json(byte[] in) {
    this.in = in;
    this.end = in.length;
  }

  static Object parse(byte[] in) throws Invalid {
    if (!Utf8.isValid(in)) {
      throw new Invalid("not valid UTF-8");
    }
    Json parser = new Json(in);
    parser.skipSpace();
    Object value = parser.value(0);
    parser.skipSpace();
    if (parser.at != parser.end) {
      throw new Invalid("content after the document");
    }
    return value;
  }

  private void skipSpace() {
    while (at < end) {
      byte b = in[at];
      if (b == ' ' || b == '\n' || b == '\r' || b == '\t') {
        at++;
      } else {
        return;
      }
    }
  }

  private Object value(int depth) throws Invalid {
    if (at >= end) {
      throw new Invalid("unexpected end");
    }
    byte b = in[at];
    switch (b) {
      case '{':
        return object(depth + 1);
      case '[':
        return array(depth + 1);
      case '"':
        return string();
      case 't':
        literal("true");
        return Boolean.TRUE;
      case 'f':
        literal("false");
        return Boolean.FALSE;
      case 'n':
        literal("null");
        return NULL;
      default:
        if (b == '-' || (b >= '0' && b <= '9')) {
          return number();
        }
        throw new Invalid("unexpected character");
    }
  }

  private void literal(String word) throws Invalid {
    int n = word.length();
    if (at + n > end) {
      throw new Invalid("unexpected end");
    }
    for (int i = 0; i < n; i++) {
      if (in[at + i] != word.charAt(i)) {
        throw new Invalid("unexpected character");
      }
    }
    at += n;
  }

  private Map<String, Object> object(int depth) throws Invalid {
    if (depth > MAX_DEPTH) {
      throw new Invalid("too deep");
    }
    at++; // {
    Map<String, Object> map = new HashMap<>(32);
    skipSpace();
    if (at < end && in[at] == '}') {
      at++;
      return map;
    }
    while (true) {
      skipSpace();
      if (at >= end || in[at] != '"') {
        throw new Invalid("expected a key");
      }
      String key = string();
      skipSpace();
      if (at >= end || in[at] != ':') {
        throw new Invalid("expected ':'");
      }
      at++;
      skipSpace();
      map.put(key, value(depth));
      skipSpace();
      if (at >= end) {
        throw new Invalid("unexpected end");
      }
      byte b = in[at++];
      if (b == '}') {
        return map;
      }
      if (b != ',') {
        throw new Invalid("expected ',' or '}'");
      }
    }
  }

  private List<Object> array(int depth) throws Invalid {
    if (depth > MAX_DEPTH) {
      throw new Invalid("too deep");
    }
    at++; // [
    List<Object> list = new ArrayList<>();
    skipSpace();
    if (at < end && in[at] == ']') {
      at++;
      return list;
    }
    while (true) {
      skipSpace();
      list.add(value(depth));
      skipSpace();
      if (at >= end) {
        throw new Invalid("unexpected end");
      }
      byte b = in[at++];
      if (b == ']') {
        return list;
      }
      if (b != ',') {
        throw new Invalid("expected ',' or ']'");
      }
    }
  }

  private String string() throws Invalid {
    int start = ++at; // opening quote
    // Fast path: ASCII without escapes becomes a String directly.
    while (at < end) {
      byte b = in[at];
      if (b == '"') {
        String s = new String(in, start, at - start, StandardCharsets.ISO_8859_1);
        at++;
        return s;
      }
      if (b == '\\' || (b & 0x80) != 0) {
        break;
      }
      if (b < 0x20) {
        throw new Invalid("control character in a string");
      }
      at++;
    }
    chars.setLength(0);
    at = start;
    while (true) {
      if (at >= end) {
        throw new Invalid("unterminated string");
      }
      int b = in[at] & 0xff;
      if (b == '"') {
        at++;
        return chars.toString();
      }
      if (b < 0x20) {
        throw new Invalid("control character in a string");
      }
      if (b == '\\') {
        escape();
      } else if (b < 0x80) {
        chars.append((char) b);
        at++;
      } else {
        at = Utf8.appendCodePoint(in, at, chars); // already validated
      }
    }
  }

  private void escape() throws Invalid {
    if (at + 1 >= end) {
      throw new Invalid("unterminated escape");
    }
    byte e = in[at + 1];
    at += 2;
    switch (e) {
      case '"' -> chars.append('"');
      case '\\' -> chars.append('\\');
      case '/' -> chars.append('/');
      case 'b' -> chars.append('\b');
      case 'f' -> chars.append('\f');
      case 'n' -> chars.append('\n');
      case 'r' -> chars.append('\r');
      case 't' -> chars.append('\t');
      case 'u' -> {
        int unit = hex4();
        if (Character.isHighSurrogate((char) unit)) {
          // A high surrogate must be followed by an escaped low one: orjson refuses the rest.
          if (at + 1 < end && in[at] == '\\' && in[at + 1] == 'u') {
            at += 2;
            int low = hex4();
            if (!Character.isLowSurrogate((char) low)) {
              throw new Invalid("no low surrogate");
            }
            chars.append((char) unit).append((char) low);
          } else {
            throw new Invalid("no low surrogate");
          }
        } else if (Character.isLowSurrogate((char) unit)) {
          throw new Invalid("lone low surrogate");
        } else {
          chars.append((char) unit);
        }
      }
      default -> throw new Invalid("invalid escape");
    }
  }

  private int hex4() throws Invalid {
    if (at + 4 > end) {
      throw new Invalid("short \\u escape");
    }
    int value = 0;
    for (int i = 0; i < 4; i++) {
      int d = Character.digit(in[at + i], 16);
      if (d < 0 || in[at + i] < 0) {
        throw new Invalid("invalid \\u escape");
      }
      value = value * 16 + d;
    }
    at += 4;
    return value;
  }

  private Num number() throws Invalid {
    int start = at;
    if (in[at] == '-') {
      at++;
    }
    if (at >= end) {
      throw new Invalid("bad number");
    }
    if (in[at] == '0') {
      at++;
      if (at < end && in[at] >= '0' && in[at] <= '9') {
        throw new Invalid("leading zero");
      }
    } else if (in[at] >= '1' && in[at] <= '9') {
      while (at < end && in[at] >= '0' && in[at] <= '9') {
        at++;
      }
    } else {
      throw new Invalid("bad number");
    }
    boolean integer = true;
    if (at < end && in[at] == '.') {
      integer = false;
      at++;
      int digits = at;
      while (at < end && in[at] >= '0' && in[at] <= '9') {
        at++;
      }
      if (at == digits) {
        throw new Invalid("bad fraction");
      }
    }
    if (at < end && (in[at] == 'e' || in[at] == 'E')) {
      integer = false;
      at++;
      if (at < end && (in[at] == '+' || in[at] == '-')) {
        at++;
      }
      int digits = at;
      while (at < end && in[at] >= '0' && in[at] <= '9') {
        at++;
      }
      if (at == digits) {
        throw new Invalid("bad exponent");
      }
    }
    String text = new String(in, start, at - start, StandardCharsets.ISO_8859_1);
    double value = Double.parseDouble(text);
    if (Double.isInfinite(value)) {
      throw new Invalid("number is infinity when parsed as double");
    }
    return new Num(value, integer);
  }
}
