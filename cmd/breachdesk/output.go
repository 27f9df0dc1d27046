package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// jsonFlag adds --json to a read command.
func jsonFlag(cmd *cobra.Command, v *bool) {
	cmd.Flags().BoolVar(v, "json", false, "print JSON instead of text")
}

// printJSON writes v as indented JSON on Stdout.
func (m *Main) printJSON(v any) error {
	enc := json.NewEncoder(m.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printWarnings writes each warning on Stderr, so that stdout stays clean
// for scripts.
func (m *Main) printWarnings(warnings []string) {
	for _, w := range warnings {
		fmt.Fprintln(m.Stderr, "warning:", w)
	}
}

// formatTime shows a time in UTC, or "unknown".
func formatTime(t *time.Time) string {
	if t == nil {
		return "unknown"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func formatBool(b *bool) string {
	switch {
	case b == nil:
		return "unknown"
	case *b:
		return "yes"
	}
	return "no"
}

func formatCount(n *int64) string {
	if n == nil {
		return "unknown"
	}
	return groupThousands(*n)
}

// groupThousands writes 24000000 as 24,000,000.
func groupThousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func orUnknown(s string) string {
	return orValue(s, "unknown")
}

func formatList(values []string) string {
	if len(values) == 0 {
		return "unknown"
	}
	return strings.Join(values, ", ")
}

// orValue returns s, or otherwise when s is empty.
func orValue(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}
