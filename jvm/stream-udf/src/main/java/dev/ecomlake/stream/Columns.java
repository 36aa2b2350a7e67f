package dev.ecomlake.stream;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The columns ParseEvent returns: a flag, raw.events' columns in order (the same list as
 * {@code ecomlake.contracts.columns.EVENT_COLUMNS}, checked by a test), the USD revenue of a purchase.
 */
final class Columns {
  private Columns() {}

  static final String MONEY = "DECIMAL(14, 2)";
  static final String ITEMS =
      "ARRAY<ROW<product_id STRING, quantity INT, unit_price " + MONEY + ">>";

  static final List<String[]> EVENT = List.of(
      c("event_id", "STRING"), c("event_type", "STRING"), c("event_time", "TIMESTAMP(3)"),
      c("event_date", "DATE"), c("user_id", "STRING"), c("anonymous_id", "STRING"),
      c("session_id", "STRING"), c("ip", "STRING"), c("user_agent", "STRING"),
      c("page_url", "STRING"), c("referrer", "STRING"), c("schema_version", "INT"),
      c("traffic_source", "STRING"), c("page_type", "STRING"), c("product_id", "STRING"),
      c("category", "STRING"), c("price", MONEY), c("currency", "STRING"),
      c("quantity", "INT"), c("unit_price", MONEY), c("query", "STRING"),
      c("results_count", "INT"), c("order_id", "STRING"), c("items", ITEMS),
      c("total", MONEY), c("payment_method", "STRING"), c("amount", MONEY),
      c("reason", "STRING"), c("email", "STRING"), c("method", "STRING"),
      c("country_code", "STRING"), c("country_name", "STRING"), c("as_org", "STRING"),
      c("device_type", "STRING"), c("browser", "STRING"), c("os", "STRING"),
      c("is_bot", "BOOLEAN"), c("kafka_partition", "INT"), c("kafka_offset", "BIGINT"),
      c("ingest_time", "TIMESTAMP(3)"));

  /**
   * The columns of the Kafka format (EventDeserializer): ok, rowtime (the watermark's time),
   * payload (the message's bytes), the event columns but Kafka's own (metadata columns in the
   * table) prefixed e_, revenue_usd.
   */
  static List<String> formatNames() {
    return FORMAT_NAMES;
  }

  private static final List<String> FORMAT_NAMES = List.copyOf(buildFormatNames());

  private static List<String> buildFormatNames() {
    List<String> names = new java.util.ArrayList<>(List.of("ok", "rowtime", "payload"));
    for (String[] column : EVENT) {
      if (!column[0].equals("kafka_partition") && !column[0].equals("kafka_offset")) {
        names.add("e_" + column[0]);
      }
    }
    names.add("revenue_usd");
    return names;
  }

  static int index(String name) {
    for (int i = 0; i < EVENT.size(); i++) {
      if (EVENT.get(i)[0].equals(name)) {
        return i;
      }
    }
    throw new IllegalArgumentException(name);
  }

  /** The function's result type: ok, the event columns, revenue_usd. */
  static String rowType() {
    return "ROW<`ok` BOOLEAN, "
        + EVENT.stream().map(x -> "`" + x[0] + "` " + x[1]).collect(Collectors.joining(", "))
        + ", `revenue_usd` " + MONEY + ">";
  }

  private static String[] c(String name, String type) {
    return new String[] {name, type};
  }
}
