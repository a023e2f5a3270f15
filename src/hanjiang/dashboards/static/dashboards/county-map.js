// Draws the county map with ECharts from the shipped GeoJSON. The signed-in county officer's county
// is highlighted; a click opens a county's page where the viewer may see it.
(function () {
  function draw() {
    var element = document.getElementById("county-map");
    var dataNode = document.getElementById("county-map-data");
    if (!element || !dataNode || !window.echarts) { return; }
    var counties = JSON.parse(dataNode.textContent);
    fetch(element.getAttribute("data-geojson"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (geojson) {
        window.echarts.registerMap("xiangyang", geojson);
        var chart = window.echarts.init(element);
        var highlighted = counties.filter(function (county) { return county.highlighted; })
          .map(function (county) { return county.name; });
        chart.setOption({
          tooltip: { trigger: "item", formatter: function (item) { return item.name + " " + (item.data ? item.data.code : ""); } },
          series: [{
            type: "map",
            map: "xiangyang",
            roam: false,
            layoutCenter: ["50%", "50%"],
            layoutSize: "100%",
            selectedMode: false,
            label: { show: true, color: "#1d2733", fontSize: 13 },
            itemStyle: { areaColor: "#dce8f5", borderColor: "#5b7ea4", borderWidth: 1 },
            emphasis: { label: { color: "#000" }, itemStyle: { areaColor: "#9cc3e8" } },
            data: counties.map(function (county) {
              var item = { name: county.name, code: county.code, url: county.url, value: county.highlighted ? 1 : 0 };
              if (county.highlighted) {
                item.itemStyle = { areaColor: "#f0a202", borderColor: "#8a5a00", borderWidth: 2 };
                item.label = { fontWeight: "bold" };
              }
              return item;
            })
          }]
        });
        chart.on("click", function (params) {
          if (params.data && params.data.url) { window.location.href = params.data.url; }
        });
        window.addEventListener("resize", function () { chart.resize(); });
        element.setAttribute("data-highlighted", highlighted.join(","));
        element.setAttribute("data-ready", "true");
      });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
