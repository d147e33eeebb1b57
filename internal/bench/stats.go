package bench

import (
	"fmt"
	"slices"
	"time"
)

// Summary is the median and the range of repeated measurements.
type Summary struct {
	Median, Min, Max time.Duration
	N                int
}

// Summarize returns the median (the mean of the middle two for an even count) and the range.
func Summarize(ds []time.Duration) Summary {
	if len(ds) == 0 {
		return Summary{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	mid := len(s) / 2
	med := s[mid]
	if len(s)%2 == 0 {
		med = (s[mid-1] + s[mid]) / 2
	}
	return Summary{Median: med, Min: s[0], Max: s[len(s)-1], N: len(s)}
}

// String renders "1.23 s (1.20–1.31, n=5)", or just the time for one measurement.
func (s Summary) String() string {
	if s.N <= 1 {
		return seconds(s.Median)
	}
	return fmt.Sprintf("%s (%s–%s, n=%d)", seconds(s.Median), trimSeconds(s.Min), trimSeconds(s.Max), s.N)
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func trimSeconds(d time.Duration) string { return fmt.Sprintf("%.2f", d.Seconds()) }
