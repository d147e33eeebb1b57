//go:build !pprof

package procsettings

// Profile does nothing in the release build: see profile_pprof.go (`-tags pprof`).
func Profile() (stop func()) { return func() {} }
