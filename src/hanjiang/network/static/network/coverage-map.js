// Counties coloured by village service point coverage (schematic map from the shipped GeoJSON).
(function () {
  function draw() {
    var element = document.getElementById("coverage-map");
    var node = document.getElementById("coverage-data");
    if (!element || !node || !window.echarts) { return; }
    var rows = JSON.parse(node.textContent);
    fetch(element.getAttribute("data-geojson"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (geojson) {
        window.echarts.registerMap("xiangyang", geojson);
        var chart = window.echarts.init(element);
        chart.setOption({
          tooltip: { trigger: "item", formatter: function (item) {
            return item.name + (item.value === undefined || isNaN(item.value) ? " —" : " " + item.value + "%");
          } },
          visualMap: { min: 0, max: 100, text: ["100%", "0%"], calculable: false, inRange: { color: ["#fbe9e7", "#1e7b34"] }, left: "left", bottom: 10 },
          series: [{ type: "map", map: "xiangyang", roam: false, label: { show: true, fontSize: 12 },
            itemStyle: { areaColor: "#eef2f7", borderColor: "#5b7ea4" },
            data: rows.map(function (row) { return { name: row.name, value: row.value }; }) }]
        });
        element.setAttribute("data-ready", "true");
      });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
