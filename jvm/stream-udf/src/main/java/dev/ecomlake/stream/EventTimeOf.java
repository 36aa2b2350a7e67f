package dev.ecomlake.stream;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.functions.ScalarFunction;

/**
 * The event time a message claims, for the source's watermark: null when the payload is not a
 * JSON object with a contract-shaped event_time, or when that time is more than the contract's
 * clock skew ahead (a bogus future date must not drag the watermark along).
 */
public class EventTimeOf extends ScalarFunction {
  public @DataTypeHint("TIMESTAMP(3)") LocalDateTime eval(byte[] payload) {
    if (payload == null || payload.length > Contract.MAX_MESSAGE_BYTES) {
      return null;
    }
    Object parsed;
    try {
      parsed = Json.parse(payload);
    } catch (Json.Invalid e) {
      return null;
    }
    if (!(parsed instanceof Map<?, ?> event) || !(event.get("event_time") instanceof String s)) {
      return null;
    }
    LocalDateTime time = Contract.parseTime(s);
    if (time == null) {
      return null;
    }
    long limit = System.currentTimeMillis() + Contract.MAX_CLOCK_SKEW_MS;
    return time.toInstant(ZoneOffset.UTC).toEpochMilli() > limit ? null : time;
  }

  @Override
  public boolean isDeterministic() {
    return false; // depends on the clock
  }
}
