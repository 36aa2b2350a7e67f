package dev.ecomlake.stream;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One Kafka message in, the values of one output row out: an accepted event typed into
 * raw.events' columns and enriched, or a refusal (flag false; only where the message came
 * from is filled, the Python reference explains it). Pure: the Flink function and the parity
 * CLI share it.
 */
final class MessageParser {
  static final int WIDTH = Columns.EVENT.size() + 2;
  private static final int TIME = 1 + Columns.index("event_time");
  private static final int PARTITION = 1 + Columns.index("kafka_partition");
  private static final int OFFSET = 1 + Columns.index("kafka_offset");
  private static final int INGEST = 1 + Columns.index("ingest_time");
  private static final int COUNTRY = 1 + Columns.index("country_code");
  private static final BigDecimal CENT = new BigDecimal("0.01");

  private final Contract contract = new Contract();
  private final Geo geo;
  private final Agents agents = new Agents();
  private final Map<String, BigDecimal> rates;

  MessageParser(Geo geo, Map<String, BigDecimal> rates) {
    this.geo = geo;
    this.rates = rates;
  }

  /** "USD=1;EUR=1.08;..." (or ","): the rates table, from ecomlake.generator.money. */
  static Map<String, BigDecimal> parseRates(String text) {
    Map<String, BigDecimal> rates = new HashMap<>();
    for (String pair : text.split("[,;]")) {
      String[] kv = pair.split("=", 2);
      rates.put(kv[0].strip(), new BigDecimal(kv[1].strip()));
    }
    return rates;
  }

  /** The row's values, or the values of a refusal (values[0] == FALSE). */
  Object[] parse(byte[] raw, int partition, long offset, long nowMs) {
    Object[] row = new Object[WIDTH];
    row[PARTITION] = partition;
    row[OFFSET] = offset;
    row[INGEST] = LocalDateTime.ofInstant(Instant.ofEpochMilli(nowMs), ZoneOffset.UTC);
    Contract.Accepted accepted = contract.accept(raw, nowMs);
    if (accepted == null) {
      row[0] = Boolean.FALSE;
      return row;
    }
    row[0] = Boolean.TRUE;
    Map<String, Object> event = accepted.event();
    for (int i = 0; i < Columns.EVENT.size(); i++) {
      String[] column = Columns.EVENT.get(i);
      Object value = event.get(column[0]);
      if (value == null || value == Json.NULL) {
        continue;
      }
      row[i + 1] = typed(column[1], value);
    }
    row[TIME] = accepted.time();
    row[TIME + 1] = accepted.time().toLocalDate();
    Geo.Place place = geo.lookup((String) event.get("ip"));
    row[COUNTRY] = place.countryCode();
    row[COUNTRY + 1] = place.countryName();
    row[COUNTRY + 2] = place.asOrg();
    Agents.Agent agent = agents.parse((String) event.get("user_agent"));
    row[COUNTRY + 3] = agent.deviceType();
    row[COUNTRY + 4] = agent.browser();
    row[COUNTRY + 5] = agent.os();
    row[COUNTRY + 6] = agent.isBot();
    if ("purchase".equals(event.get("event_type"))) {
      BigDecimal total = Contract.money((String) event.get("total"));
      row[WIDTH - 1] = total.multiply(rates.get((String) event.get("currency")))
          .setScale(2, RoundingMode.HALF_EVEN);
    }
    return row;
  }

  /** The event time of an accepted message, for the freshness gauge. */
  static long timeMs(Object[] row) {
    return ((LocalDateTime) row[TIME]).toInstant(ZoneOffset.UTC).toEpochMilli();
  }

  @SuppressWarnings("unchecked")
  private static Object typed(String type, Object value) {
    switch (type) {
      case "STRING":
        return value;
      case "INT":
        return (int) ((Json.Num) value).value();
      case Columns.MONEY:
        return Contract.money((String) value).setScale(2);
      case Columns.ITEMS: {
        List<Object[]> lines = new ArrayList<>();
        for (Object item : (List<Object>) value) {
          Map<String, Object> line = (Map<String, Object>) item;
          lines.add(new Object[] {
            line.get("product_id"),
            (int) ((Json.Num) line.get("quantity")).value(),
            Contract.money((String) line.get("unit_price")).setScale(2)
          });
        }
        return lines;
      }
      default:
        return null; // filled from the event time or enrichment
    }
  }
}
