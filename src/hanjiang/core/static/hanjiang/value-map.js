// Counties coloured by a value (schematic map from the shipped GeoJSON). Every element with
// class "value-map" names its GeoJSON (data-geojson) and the id of a json_script holding
// [{name, value}] (data-source); counties without a value stay grey: missing, not zero.
// An optional data-points names a json_script of [{label, color, points: [{name, value: [lon, lat]}]}]
// drawn as dots over the counties.
(function () {
  function draw(element) {
    var node = document.getElementById(element.getAttribute("data-source"));
    if (!node || !window.echarts) { return; }
    var rows = JSON.parse(node.textContent);
    var pointsNode = element.hasAttribute("data-points") ? document.getElementById(element.getAttribute("data-points")) : null;
    var groups = pointsNode ? JSON.parse(pointsNode.textContent) : [];
    var values = rows.map(function (row) { return row.value; }).filter(function (v) { return v !== null; });
    var max = element.hasAttribute("data-max") ? Number(element.getAttribute("data-max")) : Math.max.apply(null, values.concat([1]));
    fetch(element.getAttribute("data-geojson"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (geojson) {
        window.echarts.registerMap("counties", geojson);
        var chart = window.echarts.init(element);
        var series = [{ type: "map", geoIndex: 0,
          data: rows.filter(function (row) { return row.value !== null; })
            .map(function (row) { return { name: row.name, value: row.value }; }) }];
        groups.forEach(function (group) {
          series.push({ type: "scatter", coordinateSystem: "geo", name: group.label, symbolSize: 7,
            itemStyle: { color: group.color, borderColor: "#fff", borderWidth: 1 },
            data: group.points.map(function (point) {
              return { name: point.name, value: [Number(point.value[0]), Number(point.value[1])] };
            }) });
        });
        chart.setOption({
          tooltip: { trigger: "item", formatter: function (item) {
            if (item.seriesType === "scatter") { return item.seriesName + "：" + item.name; }
            return item.name + " " + (item.value === undefined || isNaN(item.value) ? "—" : item.value);
          } },
          legend: groups.length ? { data: groups.map(function (group) { return group.label; }), top: 0, right: 0 } : undefined,
          visualMap: { min: 0, max: max, calculable: false, seriesIndex: 0, text: [String(max), "0"], inRange: { color: ["#fbe9e7", "#1e7b34"] }, left: "left", bottom: 10 },
          geo: { map: "counties", roam: false, label: { show: true, fontSize: 12 },
            itemStyle: { areaColor: "#eef2f7", borderColor: "#5b7ea4" } },
          series: series
        });
        element.setAttribute("data-ready", "true");
      });
  }
  function drawAll() { document.querySelectorAll(".value-map").forEach(draw); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", drawAll); } else { drawAll(); }
})();
