// Shared by both pages: number formats, chart set-up, small DOM helpers.
"use strict";

const fmt = {
  int: (n) => (n == null ? "–" : Math.round(n).toLocaleString("en-US")),
  usd: (n) => (n == null ? "–" : "$" + n.toLocaleString("en-US",
    { minimumFractionDigits: 2, maximumFractionDigits: 2 })),
  pct: (n) => (n == null ? "–" : (100 * n).toFixed(1) + "%"),
  secs: (n) => (n == null ? "–" : n < 120 ? n.toFixed(1) + " s" : n < 7200
    ? (n / 60).toFixed(1) + " min" : (n / 3600).toFixed(1) + " h"),
};

const CHART_THEME = {
  backgroundColor: "transparent",
  textStyle: { color: "#e6edf3" },
  color: ["#4fb3ff", "#3fb950", "#d29922", "#bc8cff", "#f85149", "#39c5cf"],
};

function $(id) { return document.getElementById(id); }

// Sets text and the raw value (tests read data-value, people read the text).
function show(id, value, formatted) {
  const el = $(id);
  el.dataset.value = value == null ? "" : String(value);
  el.textContent = formatted;
}

const charts = {};
function chart(id) {
  if (!window.echarts) { return null; }  // the library was not built: `make setup`
  if (!charts[id]) {
    charts[id] = echarts.init($(id), null, { renderer: "canvas" });
    window.addEventListener("resize", () => charts[id].resize());
  }
  return charts[id];
}

function axisStyle() {
  return {
    axisLine: { lineStyle: { color: "#26313d" } },
    splitLine: { lineStyle: { color: "#26313d" } },
    axisLabel: { color: "#8b98a5" },
  };
}

// The closed funnel (sessions -> view -> cart -> checkout -> purchase), on both pages.
function funnelChart(id, f) {
  chart(id)?.setOption({
    ...CHART_THEME,
    tooltip: { trigger: "item", formatter: "{b}: {c} sessions" },
    series: [{ type: "funnel", sort: "none", left: 10, right: "45%", top: 10, bottom: 10,
      label: { position: "right", color: "#e6edf3", formatter: "{b}: {c}" },
      data: [
        { name: "Sessions", value: f.sessions }, { name: "Viewed a product", value: f.product_view },
        { name: "Added to cart", value: f.cart }, { name: "Checked out", value: f.checkout },
        { name: "Purchased", value: f.purchase },
      ] }],
  });
}

function table(id, columns, rows) {
  const head = "<tr>" + columns.map((c) =>
    `<th class="${c.num ? "num" : ""}">${c.title}</th>`).join("") + "</tr>";
  const body = rows.map((r) => "<tr>" + columns.map((c) =>
    `<td class="${c.num ? "num" : ""}">${escapeHtml(c.format ? c.format(r[c.key]) : r[c.key])}</td>`)
    .join("") + "</tr>").join("");
  $(id).innerHTML = `<thead>${head}</thead><tbody>${body}</tbody>`;
}

function escapeHtml(value) {
  return String(value ?? "").replace(/[&<>"']/g, (ch) =>
    ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]);
}
