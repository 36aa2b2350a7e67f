// The analytics page: the dbt marts through /api/marts/<name>?start=&end=.
"use strict";

async function getJson(url) {
  const response = await fetch(url);
  const body = await response.json();
  if (!response.ok) { throw new Error(body.detail || response.statusText); }
  return body;
}

async function load(start, end) {
  const query = `?start=${start}&end=${end}`;
  const names = ["daily-revenue", "active-users", "funnel", "cohorts", "products"];
  const answers = await Promise.all(names.map((n) => getJson(`/api/marts/${n}${query}`)));
  const [revenue, users, funnel, cohorts, products] = answers.map((a) => a.rows);
  $("notice").textContent = answers.some((a) => a.stale)
    ? "dbt is rebuilding the marts: showing the last numbers read" : "";

  const sum = (rows, key) => rows.reduce((total, r) => total + (r[key] || 0), 0);
  const gross = sum(revenue, "gross_revenue");
  show("kpi-gross", gross.toFixed(2), fmt.usd(gross));
  const net = sum(revenue, "net_revenue");
  show("kpi-net", net.toFixed(2), fmt.usd(net));
  show("kpi-orders", sum(revenue, "orders"), fmt.int(sum(revenue, "orders")));
  const f = funnel[0];
  const conversion = f.sessions ? f.purchase / f.sessions : null;
  show("kpi-conversion", conversion, fmt.pct(conversion));

  const days = revenue.map((r) => r.day);
  chart("chart-revenue")?.setOption({
    ...CHART_THEME,
    tooltip: { trigger: "axis" },
    legend: { data: ["Gross", "Net", "Orders"], textStyle: { color: "#8b98a5" }, top: 0 },
    grid: { left: 70, right: 50, top: 40, bottom: 30 },
    xAxis: { type: "category", data: days, ...axisStyle() },
    yAxis: [{ type: "value", name: "USD", ...axisStyle() },
      { type: "value", name: "orders", ...axisStyle(), splitLine: { show: false } }],
    series: [
      { name: "Gross", type: "bar", data: revenue.map((r) => r.gross_revenue) },
      { name: "Net", type: "bar", data: revenue.map((r) => r.net_revenue) },
      { name: "Orders", type: "line", yAxisIndex: 1, data: revenue.map((r) => r.orders) },
    ],
  }, true);
  funnelChart("chart-funnel", f);
  chart("chart-users")?.setOption({
    ...CHART_THEME,
    tooltip: { trigger: "axis" },
    legend: { data: ["DAU", "WAU", "MAU"], textStyle: { color: "#8b98a5" }, top: 0 },
    grid: { left: 60, right: 20, top: 40, bottom: 30 },
    xAxis: { type: "category", data: users.map((r) => r.day), ...axisStyle() },
    yAxis: { type: "value", ...axisStyle() },
    series: ["dau", "wau", "mau"].map((key) => ({
      name: key.toUpperCase(), type: "line", symbolSize: 6, data: users.map((r) => r[key]) })),
  }, true);
  const cohortDays = [...new Set(cohorts.map((c) => c.cohort_start))];
  const periods = [...new Set(cohorts.map((c) => c.period_number))].sort((a, b) => a - b);
  chart("chart-cohorts")?.setOption({
    ...CHART_THEME,
    tooltip: { formatter: (p) => `cohort ${cohortDays[p.value[1]]}, week ${periods[p.value[0]]}: `
      + fmt.pct(p.value[2]) },
    grid: { left: 90, right: 70, top: 10, bottom: 40 },
    xAxis: { type: "category", name: "weeks after first order", nameLocation: "middle",
      nameGap: 28, data: periods.map(String), ...axisStyle() },
    yAxis: { type: "category", data: cohortDays, ...axisStyle() },
    visualMap: { min: 0, max: 1, orient: "vertical", right: 0, top: "middle",
      itemHeight: 120, textStyle: { color: "#8b98a5" }, calculable: false,
      inRange: { color: ["#0b1016", "#4fb3ff"] } },
    series: [{ type: "heatmap", label: { show: true, color: "#e6edf3",
      formatter: (p) => fmt.pct(p.value[2]) },
      data: cohorts.map((c) => [periods.indexOf(c.period_number),
        cohortDays.indexOf(c.cohort_start), c.retention_rate]) }],
  }, true);
  table("products", [
    { key: "product_id", title: "Product" }, { key: "category", title: "Category" },
    { key: "views", title: "Views", num: true, format: fmt.int },
    { key: "cart_adds", title: "Cart adds", num: true, format: fmt.int },
    { key: "orders", title: "Orders", num: true, format: fmt.int },
    { key: "units", title: "Units", num: true, format: fmt.int },
    { key: "revenue_usd", title: "Revenue", num: true, format: fmt.usd },
  ], products);
  document.body.dataset.loaded = `${start}..${end}`;
}

function setEmpty(empty) {
  $("empty-state").classList.toggle("hidden", !empty);
  document.querySelectorAll("section.data").forEach((el) => el.classList.toggle("hidden", empty));
}

async function init() {
  const span = await getJson("/api/marts");
  if (!span.last) {
    setEmpty(true);
    document.body.dataset.loaded = "empty";
    return;
  }
  setEmpty(false);
  $("span").textContent = `${span.first} to ${span.last}`;
  const params = new URLSearchParams(location.search);
  const end = params.get("end") || span.last;
  const back = new Date(Date.parse(end) - 29 * 86400000).toISOString().slice(0, 10);
  const start = params.get("start") || (back < span.first ? span.first : back);
  $("start").value = start;
  $("end").value = end;
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    const s = $("start").value, e = $("end").value;
    history.replaceState(null, "", `?start=${s}&end=${e}`);
    load(s, e).catch((err) => { $("notice").textContent = err.message; });
  });
  await load(start, end);
}

document.addEventListener("DOMContentLoaded", () => {
  init().catch((err) => { $("notice").textContent = err.message; });
});
