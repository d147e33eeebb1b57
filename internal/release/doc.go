// Package release holds no code: its tests prove the shape of a release built from
// .goreleaser.yml. TestReleaseConfig reads the file; TestReleaseInstallsFromMirror (TF_ACC=1)
// builds a snapshot with goreleaser, serves its zip from a local filesystem mirror, and has a
// real `terraform init` install it (checked against the lock file's hashes) and a real
// `terraform plan` use it against a real sshd, with no dev_overrides.
package release
