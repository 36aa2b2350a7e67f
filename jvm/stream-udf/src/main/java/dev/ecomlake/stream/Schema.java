package dev.ecomlake.stream;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The subset of JSON Schema 2020-12 the contract uses, compiled once into a tree of checks that
 * answer only "valid or not" (the Python reference names the reason).
 *
 * <p>Semantics follow Python's jsonschema, the reference: keywords apply only to their types;
 * "integer" includes integral floats; lengths count code points; patterns are searched with
 * Python's rules ({@code $} also matches before a final newline, {@code \d} is Unicode);
 * formats ipv4/email/uuid as jsonschema's checkers. An unknown keyword fails the load, so a
 * contract change this interpreter does not understand cannot pass silently.
 */
final class Schema {
  interface Check {
    boolean ok(Object value);
  }

  private static final Set<String> ANNOTATIONS =
      Set.of("$schema", "$id", "title", "description", "$defs", "examples");

  private final Map<String, Object> root;

  private Schema(Map<String, Object> root) {
    this.root = root;
  }

  static Check load(String resource) {
    try (InputStream in = Schema.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("contract schema not found: " + resource);
      }
      return compile(in.readAllBytes());
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + resource, e);
    }
  }

  @SuppressWarnings("unchecked")
  static Check compile(byte[] schemaJson) {
    try {
      Map<String, Object> root = (Map<String, Object>) Json.parse(schemaJson);
      return new Schema(root).node(root);
    } catch (Json.Invalid e) {
      throw new IllegalStateException("contract schema is not JSON: " + e.getMessage());
    }
  }

  @SuppressWarnings("unchecked")
  private Check node(Map<String, Object> schema) {
    List<Check> checks = new ArrayList<>();
    for (Map.Entry<String, Object> entry : schema.entrySet()) {
      String key = entry.getKey();
      Object arg = entry.getValue();
      if (ANNOTATIONS.contains(key)) {
        continue;
      }
      switch (key) {
        case "type" -> checks.add(typeCheck(arg));
        case "enum" -> {
          List<Object> options = (List<Object>) arg;
          if (options.stream().allMatch(o -> o instanceof String)) {
            // Strings equal only strings: one hash lookup instead of a scan.
            Set<Object> strings = Set.copyOf(options);
            checks.add(v -> v instanceof String && strings.contains(v));
          } else {
            checks.add(v -> options.stream().anyMatch(o -> equal(o, v)));
          }
        }
        case "const" -> checks.add(v -> equal(arg, v));
        case "pattern" -> {
          Pattern rx =
              Pattern.compile((String) arg, Pattern.UNIX_LINES | Pattern.UNICODE_CHARACTER_CLASS);
          checks.add(v -> !(v instanceof String s) || rx.matcher(s).find());
        }
        case "format" -> checks.add(Formats.of((String) arg));
        case "minLength" -> {
          int n = intArg(arg);
          checks.add(v -> !(v instanceof String s) || s.codePointCount(0, s.length()) >= n);
        }
        case "maxLength" -> {
          int n = intArg(arg);
          checks.add(v -> !(v instanceof String s) || s.codePointCount(0, s.length()) <= n);
        }
        case "minimum" -> {
          double n = ((Json.Num) arg).value();
          checks.add(v -> !(v instanceof Json.Num x) || x.value() >= n);
        }
        case "maximum" -> {
          double n = ((Json.Num) arg).value();
          checks.add(v -> !(v instanceof Json.Num x) || x.value() <= n);
        }
        case "minItems" -> {
          int n = intArg(arg);
          checks.add(v -> !(v instanceof List<?> l) || l.size() >= n);
        }
        case "maxItems" -> {
          int n = intArg(arg);
          checks.add(v -> !(v instanceof List<?> l) || l.size() <= n);
        }
        case "items" -> {
          Check item = node((Map<String, Object>) arg);
          checks.add(v -> !(v instanceof List<?> l) || l.stream().allMatch(item::ok));
        }
        case "required" -> {
          List<String> names = (List<String>) (List<?>) arg;
          checks.add(v -> !(v instanceof Map<?, ?> m) || m.keySet().containsAll(names));
        }
        case "properties" -> checks.add(properties((Map<String, Object>) arg));
        case "additionalProperties" -> {
          if (!Boolean.FALSE.equals(arg)) {
            throw new IllegalStateException("only additionalProperties: false is supported");
          }
          Set<String> known = ((Map<String, Object>) schema.getOrDefault("properties", Map.of()))
              .keySet();
          checks.add(v -> !(v instanceof Map<?, ?> m) || known.containsAll(m.keySet()));
        }
        case "$ref" -> checks.add(ref((String) arg));
        case "allOf" -> {
          for (Object part : (List<Object>) arg) {
            checks.add(node((Map<String, Object>) part));
          }
        }
        case "if" -> {
          Check condition = node((Map<String, Object>) arg);
          Object then = schema.get("then");
          Check consequence = then == null ? v -> true : node((Map<String, Object>) then);
          checks.add(v -> !condition.ok(v) || consequence.ok(v));
        }
        case "then" -> {} // with "if"
        default -> throw new IllegalStateException("unsupported schema keyword: " + key);
      }
    }
    Check[] all = checks.toArray(new Check[0]);
    return v -> {
      for (Check c : all) {
        if (!c.ok(v)) {
          return false;
        }
      }
      return true;
    };
  }

  @SuppressWarnings("unchecked")
  private Check properties(Map<String, Object> properties) {
    Map<String, Check> each = new java.util.HashMap<>();
    for (Map.Entry<String, Object> p : properties.entrySet()) {
      each.put(p.getKey(), node((Map<String, Object>) p.getValue()));
    }
    if (each.size() <= 4) { // e.g. an "if" on event_type: look the few names up in the value
      List<Map.Entry<String, Check>> few = List.copyOf(each.entrySet());
      return v -> {
        if (!(v instanceof Map<?, ?> m)) {
          return true;
        }
        for (Map.Entry<String, Check> p : few) {
          Object present = m.get(p.getKey());
          if (present != null && !p.getValue().ok(present)) {
            return false;
          }
        }
        return true;
      };
    }
    // The event's own schema (about 40 names, a message has about 15): walk the value's members.
    return v -> {
      if (!(v instanceof Map<?, ?> m)) {
        return true;
      }
      for (Map.Entry<?, ?> member : m.entrySet()) {
        Check check = each.get(member.getKey());
        if (check != null && !check.ok(member.getValue())) {
          return false;
        }
      }
      return true;
    };
  }

  @SuppressWarnings("unchecked")
  private Check ref(String ref) {
    if (!ref.startsWith("#/$defs/")) {
      throw new IllegalStateException("only local $defs references are supported: " + ref);
    }
    Map<String, Object> defs = (Map<String, Object>) root.get("$defs");
    return node((Map<String, Object>) defs.get(ref.substring("#/$defs/".length())));
  }

  @SuppressWarnings("unchecked")
  private static Check typeCheck(Object arg) {
    List<String> types = arg instanceof String s ? List.of(s) : (List<String>) (List<?>) arg;
    Check[] any = types.stream().map(Schema::oneType).toArray(Check[]::new);
    return v -> {
      for (Check c : any) {
        if (c.ok(v)) {
          return true;
        }
      }
      return false;
    };
  }

  private static Check oneType(String type) {
    return switch (type) {
      case "string" -> v -> v instanceof String;
      case "integer" -> v -> v instanceof Json.Num n && n.isIntegral();
      case "number" -> v -> v instanceof Json.Num;
      case "boolean" -> v -> v instanceof Boolean;
      case "null" -> v -> v == Json.NULL;
      case "object" -> v -> v instanceof Map;
      case "array" -> v -> v instanceof List;
      default -> throw new IllegalStateException("unknown type: " + type);
    };
  }

  private static int intArg(Object arg) {
    return (int) ((Json.Num) arg).value();
  }

  /** jsonschema's equality: numbers by value, booleans never equal numbers. */
  static boolean equal(Object a, Object b) {
    if (a instanceof Json.Num x && b instanceof Json.Num y) {
      return x.value() == y.value();
    }
    if (a instanceof List<?> x && b instanceof List<?> y) {
      if (x.size() != y.size()) {
        return false;
      }
      for (int i = 0; i < x.size(); i++) {
        if (!equal(x.get(i), y.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
      if (!x.keySet().equals(y.keySet())) {
        return false;
      }
      for (Object key : x.keySet()) {
        if (!equal(x.get(key), y.get(key))) {
          return false;
        }
      }
      return true;
    }
    return a.equals(b);
  }
}
