(function () {
  // Draws every chart the page's data block lists (ids, times in seconds, p50/p95 in seconds, the objective).
  var specs = JSON.parse(document.getElementById("dw-charts").textContent);
  // The x axis spans the data, padded by 5 % of the span and at least half an hour on each side. uPlot
  // widens a lone time by a span of its own (years, with times in seconds), which left a first day's one
  // point alone in a corner: its data's span is used instead. A range the reader zoomed to stays as chosen.
  var padded = function (u, min, max) {
    var t = u.data[0], first = t[0], last = t[t.length - 1];
    if (first === last) {
      min = max = first;
    } else if (min !== first || max !== last) {
      return [min, max];
    }
    var pad = Math.max((max - min) * 0.05, 1800);
    return [min - pad, max + pad];
  };
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
        x: { time: true, range: padded },
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
