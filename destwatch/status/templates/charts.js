(function () {
  // Draws every chart the page's data block lists (ids, times in seconds, p50/p95 in seconds, the objective).
  var specs = JSON.parse(document.getElementById("dw-charts").textContent);
  window.dwCharts = [];
  specs.forEach(function (spec) {
    var el = document.getElementById(spec.id);
    var ms = function (v) { return v === null ? null : v * 1000; };
    var bound = spec.objective * 1000;
    var chart = new uPlot({
      title: spec.title,
      width: Math.max(320, el.clientWidth),
      height: 220,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"); },
      scales: {
        y: { range: function (u, min, max) { return [0, Math.max(max || 0, bound) * 1.1]; } }
      },
      axes: [{ label: "time (UTC)" }, { label: "ms" }],
      series: [
        {},
        { label: "p50", stroke: "#3b7dd8", width: 2 },
        { label: "p95", stroke: "#e8833a", width: 2 },
        { label: "objective (p95)", stroke: "#d9453a", width: 1.5, dash: [6, 4], points: { show: false } }
      ]
    }, [spec.t, spec.p50.map(ms), spec.p95.map(ms), spec.t.map(function () { return bound; })], el);
    window.dwCharts.push(chart);
  });
})();
