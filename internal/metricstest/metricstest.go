// Package metricstest reads what a /metrics endpoint answers, for tests:
// it checks that the answer parses as Prometheus's text format and gives
// its samples by name and labels.
package metricstest

import (
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Sample is one value of a scrape. A histogram gives a sample per bucket
// (NAME_bucket with le), NAME_sum and NAME_count.
type Sample struct {
	Name   string
	Labels map[string]string
	Value  float64
}

// Samples is a parsed scrape.
type Samples struct {
	// Help holds each metric family's help text, by name.
	Help map[string]string
	List []Sample
}

// Scrape GETs url, fails the test unless it answers 200 in the text
// format with a body that parses, and returns its samples.
func Scrape(t testing.TB, url string) Samples {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s = %d, want 200:\n%s", url, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("GET %s: Content-Type %q, want Prometheus's text format (text/plain)", url, ct)
	}
	return Parse(t, resp.Body)
}

// Parse reads a scrape in the text format, and fails the test if it does
// not parse.
func Parse(t testing.TB, r io.Reader) Samples {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(r)
	if err != nil {
		t.Fatalf("the scrape does not parse: %v", err)
	}
	s := Samples{Help: map[string]string{}}
	for name, f := range families {
		s.Help[name] = f.GetHelp()
	}
	vector, err := expfmt.ExtractSamples(&expfmt.DecodeOptions{Timestamp: model.Now()}, slices.Collect(maps.Values(families))...)
	if err != nil {
		t.Fatalf("the scrape's samples: %v", err)
	}
	for _, v := range vector {
		labels := map[string]string{}
		for k, l := range v.Metric {
			if k != model.MetricNameLabel {
				labels[string(k)] = string(l)
			}
		}
		s.List = append(s.List, Sample{Name: string(v.Metric[model.MetricNameLabel]), Labels: labels, Value: float64(v.Value)})
	}
	slices.SortFunc(s.List, func(a, b Sample) int { return strings.Compare(a.Name, b.Name) })
	return s
}

// Get returns the value of the sample named name whose labels are
// exactly those given as pairs ("listener", "public", ...), and whether
// there is one.
func (s Samples) Get(name string, labels ...string) (float64, bool) {
	want := pairs(labels)
	for _, x := range s.List {
		if x.Name == name && maps.Equal(x.Labels, want) {
			return x.Value, true
		}
	}
	return 0, false
}

// Sum adds the values of the samples named name whose labels include
// those given as pairs.
func (s Samples) Sum(name string, labels ...string) float64 {
	want := pairs(labels)
	var sum float64
	for _, x := range s.List {
		if x.Name != name {
			continue
		}
		match := true
		for k, v := range want {
			if x.Labels[k] != v {
				match = false
			}
		}
		if match {
			sum += x.Value
		}
	}
	return sum
}

// LabelValues returns the values of every label of every sample, each
// once, in order.
func (s Samples) LabelValues() []string {
	seen := map[string]bool{}
	for _, x := range s.List {
		for _, v := range x.Labels {
			seen[v] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// Of returns the samples named name.
func (s Samples) Of(name string) []Sample {
	var out []Sample
	for _, x := range s.List {
		if x.Name == name {
			out = append(out, x)
		}
	}
	return out
}

func pairs(labels []string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		m[labels[i]] = labels[i+1]
	}
	return m
}
