// Counties coloured by a value (schematic map from the shipped GeoJSON). Every element with
// class "value-map" names its GeoJSON (data-geojson) and the id of a json_script holding
// [{name, value}] (data-source); counties without a value stay grey: missing, not zero.
(function () {
  function draw(element) {
    var node = document.getElementById(element.getAttribute("data-source"));
    if (!node || !window.echarts) { return; }
    var rows = JSON.parse(node.textContent);
    var values = rows.map(function (row) { return row.value; }).filter(function (v) { return v !== null; });
    var max = element.hasAttribute("data-max") ? Number(element.getAttribute("data-max")) : Math.max.apply(null, values.concat([1]));
    fetch(element.getAttribute("data-geojson"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (geojson) {
        window.echarts.registerMap("counties", geojson);
        var chart = window.echarts.init(element);
        chart.setOption({
          tooltip: { trigger: "item", formatter: function (item) {
            return item.name + " " + (item.value === undefined || isNaN(item.value) ? "—" : item.value);
          } },
          visualMap: { min: 0, max: max, calculable: false, inRange: { color: ["#fbe9e7", "#1e7b34"] }, left: "left", bottom: 10 },
          series: [{ type: "map", map: "counties", roam: false, label: { show: true, fontSize: 12 },
            itemStyle: { areaColor: "#eef2f7", borderColor: "#5b7ea4" },
            data: rows.filter(function (row) { return row.value !== null; })
              .map(function (row) { return { name: row.name, value: row.value }; }) }]
        });
        element.setAttribute("data-ready", "true");
      });
  }
  function drawAll() { document.querySelectorAll(".value-map").forEach(draw); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", drawAll); } else { drawAll(); }
})();
