package sandbox

import "testing"

// TestImageKeyExtras: a release's extra packages are part of its image's key, and a release
// without extras keeps the key it had before extras existed (its cached image is not rebuilt).
func TestImageKeyExtras(t *testing.T) {
	dist := Dist{SHA256: "102908b9024256751c8599902c42c41163854e649a29d9a18973a6c955a78412"}
	r := MustRelease("debian13-valkey")
	if len(r.Extra) != 0 {
		t.Fatalf("debian13-valkey has extras %v; this test wants a release without", r.Extra)
	}
	// sandbox-debian13-valkey-fcd0748da891: its cache folder before extras (image version 3)
	if got, want := imageKey(r, dist), "fcd0748da891"; got != want || imageVersion != "3" {
		t.Errorf("key of a release without extras = %s, want %s (the key before extras)", got, want)
	}
	with := r
	with.Extra = []string{"python3-zmq"}
	if imageKey(with, dist) == imageKey(r, dist) {
		t.Error("the extras do not change the image key")
	}
	if d := MustRelease("debian13"); len(d.Extra) == 0 || d.Extra[0] != "python3-zmq" {
		t.Errorf("debian13's extras = %v, want python3-zmq (TestSandboxCollectorEncryption's sender)", d.Extra)
	}
}
