package hostchange

import (
	"slices"
	"testing"
)

// TestOnDestroyValues: the strings are the ones users write in on_destroy (a renamed constant
// would silently change the attribute's allowed values), in the order given.
func TestOnDestroyValues(t *testing.T) {
	for _, c := range []struct {
		in   []OnDestroy
		want []string
	}{
		{nil, []string{}},
		{[]OnDestroy{OnDestroyKeep, OnDestroyRestore}, []string{"keep", "restore"}},
		{[]OnDestroy{OnDestroyKeep, OnDestroyRemove}, []string{"keep", "remove"}},
		{[]OnDestroy{OnDestroyRemove, OnDestroyKeep}, []string{"remove", "keep"}},
	} {
		if got := OnDestroyValues(c.in...); !slices.Equal(got, c.want) {
			t.Errorf("OnDestroyValues(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
