package http

import (
	"strings"
	"testing"
	"time"

	"github.com/breachdesk/breachdesk"
)

func TestChartStep(t *testing.T) {
	for _, tt := range []struct {
		span time.Duration
		want time.Duration
	}{
		{0, time.Second}, {59 * time.Second, time.Second}, {2 * time.Minute, 5 * time.Second},
		{20 * time.Minute, 30 * time.Second}, {3 * time.Hour, 5 * time.Minute}, {30 * 24 * time.Hour, 24 * time.Hour},
	} {
		if got := chartStep(tt.span, 90); got != tt.want {
			t.Errorf("chartStep(%v) = %v, want %v", tt.span, got, tt.want)
		}
	}
}

func TestDeliveryChart(t *testing.T) {
	at := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	svg := string(deliveryChart([]breachdesk.DeliveryPoint{{At: at, Sent: 50}, {At: at.Add(3 * time.Minute), Sent: 100}}, time.Minute, `Sent <per> minute`))
	for _, want := range []string{`role="img"`, `<title id="chart-title">Sent &lt;per&gt; minute</title>`, ">100</text>", ">10:00</text>", ">10:04 UTC</text>",
		// Four one-minute bars wide, two drawn: the second, full height, at the fourth place.
		`<rect x="56.0" y="92.0" width="132.8" height="84.0"/>`, `<rect x="554.0" y="8.0" width="132.8" height="168.0"/>`} {
		if !strings.Contains(svg, want) {
			t.Errorf("the chart lacks %q:\n%s", want, svg)
		}
	}
	if strings.Count(svg, "<rect") != 2 {
		t.Errorf("the chart has %d bars, want 2", strings.Count(svg, "<rect"))
	}
	if deliveryChart(nil, time.Minute, "x") != "" {
		t.Error("an empty chart is drawn")
	}
}
