// The live page: one server-sent event per refresh carries the whole view (/api/live).
"use strict";

function renderLive(view) {
  const empty = view.empty;
  $("empty-state").classList.toggle("hidden", !empty);
  document.querySelectorAll("main > section:not(#empty-state)")
    .forEach((el) => el.classList.toggle("hidden", empty));
  $("clock").textContent = view.clock ? view.clock.slice(0, 19).replace("T", " ") + " UTC" : "–";
  if (empty) { return; }
  const today = view.today;
  show("kpi-revenue", today.revenue_usd, fmt.usd(today.revenue_usd));
  $("kpi-day").textContent = view.day + " (stream clock's day, UTC)";
  show("kpi-orders", today.orders, fmt.int(today.orders));
  $("kpi-events").textContent = fmt.int(today.events) + " events today";
  show("kpi-active", view.active_users, fmt.int(view.active_users));
  const p = view.pipeline;
  show("kpi-eps", p.events_per_s, fmt.int(p.events_per_s));
  renderHealth(p);
  renderCharts(view);
  table("top-products", [
    { key: "product_id", title: "Product" }, { key: "category", title: "Category" },
    { key: "views", title: "Views", num: true, format: fmt.int },
    { key: "cart_adds", title: "Cart adds", num: true, format: fmt.int },
    { key: "units", title: "Units sold", num: true, format: fmt.int },
  ], view.top_products);
}

function pill(id, text, level) {
  $(id).innerHTML = `<span class="pill ${level}">${escapeHtml(text)}</span>`;
}

function renderHealth(p) {
  pill("h-stream", p.stream_job, p.stream_job === "running" ? "good" : "warn");
  pill("h-kafka", p.kafka, p.kafka === "up" ? "good" : "bad");
  show("h-lag", p.consumer_lag, p.consumer_lag == null ? "unknown" : fmt.int(p.consumer_lag));
  show("h-age", p.commit_age_s, fmt.secs(p.commit_age_s));
  show("h-dlq", p.dlq_per_s, fmt.int(p.dlq_per_s));
  show("h-dlq-share", p.dlq_share, fmt.pct(p.dlq_share));
  const runs = Object.entries(p.airflow || {});
  $("h-airflow").innerHTML = runs.length === 0 ? "no runs" : runs.map(([dag, state]) =>
    `<span class="pill ${state === "success" ? "good" : state === "failed" ? "bad" : "warn"}"
      title="${escapeHtml(dag)}">${escapeHtml(dag)}: ${escapeHtml(state)}</span>`).join(" ");
}

function renderCharts(view) {
  const minutes = view.minutes.map((m) => m.minute.slice(11, 16));
  chart("chart-minutes")?.setOption({
    ...CHART_THEME,
    tooltip: { trigger: "axis" },
    legend: { data: ["Revenue (USD)", "Orders"], textStyle: { color: "#8b98a5" }, top: 0 },
    grid: { left: 60, right: 50, top: 40, bottom: 30 },
    xAxis: { type: "category", data: minutes, ...axisStyle() },
    yAxis: [{ type: "value", name: "USD", ...axisStyle() },
      { type: "value", name: "orders", ...axisStyle(), splitLine: { show: false } }],
    series: [
      { name: "Revenue (USD)", type: "bar", data: view.minutes.map((m) => m.revenue_usd) },
      { name: "Orders", type: "line", yAxisIndex: 1, smooth: true, showSymbol: false,
        data: view.minutes.map((m) => m.orders) },
    ],
  });
  chart("chart-users")?.setOption({
    ...CHART_THEME,
    tooltip: { trigger: "axis" },
    grid: { left: 50, right: 10, top: 20, bottom: 30 },
    xAxis: { type: "category", data: minutes, ...axisStyle() },
    yAxis: { type: "value", ...axisStyle() },
    series: [{ name: "Active users", type: "line", areaStyle: {}, showSymbol: false,
      data: view.minutes.map((m) => m.active_users) }],
  });
  const countries = view.today.by_country.slice(0, 12).reverse();
  chart("chart-countries")?.setOption({
    ...CHART_THEME,
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    grid: { left: 70, right: 20, top: 10, bottom: 30 },
    xAxis: { type: "value", ...axisStyle() },
    yAxis: { type: "category", data: countries.map((c) => c.country_code), ...axisStyle() },
    series: [{ name: "Revenue (USD)", type: "bar", data: countries.map((c) => c.revenue_usd) }],
  });
  funnelChart("chart-funnel", view.today.funnel);
}

function connect() {
  const source = new EventSource("/api/live/stream");
  source.onmessage = (event) => {
    const view = JSON.parse(event.data);
    renderLive(view);
    const status = $("status");
    status.textContent = view.error ? "refresh failed: " + view.error : "live";
    status.className = "pill " + (view.error ? "bad" : "good");
    status.dataset.version = String((Number(status.dataset.version) || 0) + 1);
  };
  source.onerror = () => {
    const status = $("status");
    status.textContent = "reconnecting…";
    status.className = "pill warn";
  };
}

document.addEventListener("DOMContentLoaded", connect);
