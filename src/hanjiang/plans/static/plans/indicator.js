// The indicator's series with its target line and the projection to the target year.
(function () {
  function draw() {
    var element = document.getElementById("series-chart");
    var node = document.getElementById("series-data");
    if (!element || !node || !window.echarts) { return; }
    var data = JSON.parse(node.textContent);
    var years = data.years.slice();
    if (data.projection !== null && years.indexOf(data.target_year) < 0) { years.push(data.target_year); }
    var actual = years.map(function (year) { var i = data.years.indexOf(year); return i < 0 ? null : data.values[i]; });
    var projection = years.map(function () { return null; });
    if (data.projection !== null && data.years.length) {
      var last = data.years.length - 1;
      projection[last] = data.values[last];
      projection[years.indexOf(data.target_year)] = data.projection;
    }
    var marks = [];
    if (data.target !== null) { marks.push({ yAxis: data.target, name: "target" }); }
    if (data.target_high !== null) { marks.push({ yAxis: data.target_high, name: "upper" }); }
    var chart = window.echarts.init(element);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: [data.name, data.projection_label] },
      xAxis: { type: "category", data: years.map(String) },
      yAxis: { type: "value", name: data.unit },
      series: [
        { name: data.name, type: "line", data: actual, connectNulls: true, markLine: { symbol: "none", lineStyle: { color: "#b3261e", type: "dashed" }, data: marks } },
        { name: data.projection_label, type: "line", data: projection, connectNulls: true, lineStyle: { type: "dotted" }, itemStyle: { color: "#5b6675" } }
      ]
    });
    element.setAttribute("data-ready", "true");
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
