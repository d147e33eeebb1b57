package main

import (
	"os"
	"strings"
	"testing"
)

// clearLogEnv unsets every TF_LOG* variable for the test (restored afterwards).
func clearLogEnv(t *testing.T) {
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "TF_LOG") {
			t.Setenv(name, "")
			os.Unsetenv(name)
		}
	}
	for _, v := range quietedLogVars {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
}

func TestQuietLogsWithoutAnyTFLog(t *testing.T) {
	clearLogEnv(t)
	quietLogs()
	for _, v := range quietedLogVars {
		if got := os.Getenv(v); got != "off" {
			t.Errorf("%s = %q after quietLogs with no TF_LOG* set, want off", v, got)
		}
	}
}

func TestQuietLogsKeepsWhatTheOperatorAskedFor(t *testing.T) {
	for _, asked := range []string{"TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_PROVIDER_NTOPNG", "TF_LOG_SDK_FRAMEWORK"} {
		t.Run(asked, func(t *testing.T) {
			clearLogEnv(t)
			t.Setenv(asked, "DEBUG")
			quietLogs()
			if got := os.Getenv(asked); got != "DEBUG" {
				t.Errorf("%s = %q, want DEBUG kept", asked, got)
			}
			for _, v := range quietedLogVars {
				if v != asked && os.Getenv(v) == "off" {
					t.Errorf("%s set to off although %s was set", v, asked)
				}
			}
		})
	}
}
