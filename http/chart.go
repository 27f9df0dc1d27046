package http

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/breachdesk/breachdesk"
)

// Chart geometry, in SVG user units.
const (
	chartWidth, chartHeight = 720, 200
	chartLeft, chartBottom  = 56, 24
	chartTop                = 8
)

// chartSteps are the interval lengths a delivery chart may use, so that
// its bars fall on round times.
func chartSteps() []time.Duration {
	return []time.Duration{time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second, time.Minute, 5 * time.Minute,
		10 * time.Minute, 30 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour}
}

// chartStep returns the shortest round step that draws span in at most
// maxBars bars.
func chartStep(span time.Duration, maxBars int) time.Duration {
	for _, step := range chartSteps() {
		if span/step < time.Duration(maxBars) {
			return step
		}
	}
	return chartSteps()[len(chartSteps())-1]
}

// deliveryChart draws the notices handed over per interval as an SVG bar
// chart, rendered on the server: no script and no library. title names it
// for assistive technology; every value in it is a number or a time, and
// title is escaped.
func deliveryChart(points []breachdesk.DeliveryPoint, step time.Duration, title string) template.HTML {
	if len(points) == 0 {
		return ""
	}
	first, last := points[0].At, points[len(points)-1].At
	bars := int(last.Sub(first)/step) + 1
	var peak int64
	for _, p := range points {
		peak = max(peak, p.Sent)
	}
	plotW, plotH := float64(chartWidth-chartLeft), float64(chartHeight-chartBottom-chartTop)
	barW := plotW / float64(bars)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="chart-title"><title id="chart-title">%s</title>`,
		chartWidth, chartHeight, template.HTMLEscapeString(title))
	fmt.Fprintf(&b, `<line class="axis" x1="%d" y1="%d" x2="%d" y2="%d"/>`, chartLeft, chartHeight-chartBottom, chartWidth, chartHeight-chartBottom)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%d</text>`, chartLeft-6, chartTop+10, peak)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">0</text>`, chartLeft-6, chartHeight-chartBottom)
	for _, p := range points {
		i := int(p.At.Sub(first) / step)
		h := plotH * float64(p.Sent) / float64(peak)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`,
			float64(chartLeft)+float64(i)*barW, float64(chartTop)+plotH-h, max(barW*0.8, 1), h)
	}
	layout := "15:04"
	switch {
	case last.Sub(first) >= 24*time.Hour:
		layout = "01-02 15:04"
	case step < time.Minute:
		layout = "15:04:05"
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`, chartLeft, chartHeight-6, first.UTC().Format(layout))
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s UTC</text>`, chartWidth, chartHeight-6, last.Add(step).UTC().Format(layout))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// chartRow is one labelled value of a bar chart.
type chartRow struct {
	Label string
	Value int64
}

// barChart draws rows as horizontal bars, in the order given, with their
// labels and values: an SVG rendered on the server, which names itself
// title for assistive technology. Labels and title are escaped.
func barChart(title string, rows []chartRow) template.HTML {
	if len(rows) == 0 {
		return ""
	}
	const rowH, labelW, valueW = 24, 200, 80
	var peak int64
	for _, r := range rows {
		peak = max(peak, r.Value)
	}
	height := len(rows)*rowH + 8
	plotW := float64(chartWidth - labelW - valueW)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart bars" viewBox="0 0 %d %d" role="img" aria-label="%s">`, chartWidth, height, template.HTMLEscapeString(title))
	for i, r := range rows {
		y := 4 + i*rowH
		w := 0.0
		if peak > 0 {
			w = plotW * float64(r.Value) / float64(peak)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`, labelW-8, y+16, template.HTMLEscapeString(r.Label))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d"/>`, labelW, y+4, max(w, 1), rowH-8)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d">%d</text>`, float64(labelW)+max(w, 1)+6, y+16, r.Value)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
